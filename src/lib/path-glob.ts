/**
 * Repository path globs, as claw.yaml writes them: `**` any run of characters (slashes too, so
 * `deploy/**` is everything under deploy/ and `**` everything), `*` any run within one path
 * segment, `?` one character of one. Dotfiles are not special: `**` covers `.github/…` too —
 * a pattern meant to fence agents in must not let hidden files slip past it.
 */
export function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      // `**/` also matches nothing at all: `**/x.yaml` covers a top-level x.yaml.
      if (glob[i + 2] === '/') {
        re += '(?:.*/)?';
        i += 2;
      } else {
        re += '.*';
        i += 1;
      }
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** Whether `path` (relative, `/`-separated) matches any of `globs`. */
export function matchesAny(path: string, globs: readonly string[]): boolean {
  return globs.some((g) => globToRegExp(g).test(path));
}
