/** An image reference as containerd resolves it: `nginx` is `docker.io/library/nginx:latest`. */
export interface ImageRef {
  registry: string;
  /** The repository path within the registry, e.g. `library/nginx` or `bitnami/redis`. */
  repository: string;
  tag: string;
  digest?: string;
  /** What containerd reports in its errors: `docker.io/library/nginx:1.27`. */
  canonical: string;
}

export function parseImageRef(image: string): ImageRef | undefined {
  const [rest, digest] = image.split('@') as [string, string | undefined];
  const slash = rest.indexOf('/');
  const first = slash > 0 ? rest.slice(0, slash) : '';
  const hasRegistry = first.includes('.') || first.includes(':') || first === 'localhost';
  const registry = hasRegistry ? first : 'docker.io';
  let path = hasRegistry ? rest.slice(slash + 1) : rest;
  const colon = path.lastIndexOf(':');
  const tag = colon > 0 ? path.slice(colon + 1) : 'latest';
  if (colon > 0) path = path.slice(0, colon);
  if (!/^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/.test(path))
    return undefined;
  if (!/^[\w][\w.-]{0,127}$/.test(tag)) return undefined;
  const repository = registry === 'docker.io' && !path.includes('/') ? `library/${path}` : path;
  const canonical = `${registry}/${repository}${digest ? `@${digest}` : `:${tag}`}`;
  return { registry, repository, tag, digest, canonical };
}

/** The name of a Docker Official Image (`nginx` for `docker.io/library/nginx`), else undefined. */
export function officialName(ref: ImageRef): string | undefined {
  return ref.registry === 'docker.io' && ref.repository.startsWith('library/') ? ref.repository.slice(8) : undefined;
}
