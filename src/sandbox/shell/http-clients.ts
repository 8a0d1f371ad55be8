import { localStatus } from './servers.ts';
import type { Program } from './sh-run.ts';

// curl and wget as the images that ship them behave. Within a container they reach the servers of
// the same process (localhost); other hosts need the cluster network, which they do not see here.

const hostOf = (url: string) => /^(?:\w+:\/\/)?([^/:?#]+)/.exec(url)?.[1] ?? url;

export const curl: Program = (sh, argv, io) => {
  const flags = argv.slice(1);
  const url = flags.find(
    (a, i) =>
      !a.startsWith('-') && !['-o', '-w', '-m', '-H', '-X', '--max-time', '--connect-timeout'].includes(flags[i - 1]!),
  );
  const has = (c: string) =>
    flags.some((f) => /^-[a-zA-Z]+$/.test(f) && f.includes(c)) || flags.includes(`--${{ f: 'fail', s: 'silent' }[c]}`);
  const writeOut = flags[flags.indexOf('-w') + 1];
  if (!url) {
    io.err("curl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const status = localStatus(sh, url);
  const finish = (code: number) => {
    if (flags.includes('-w')) io.out((writeOut ?? '').replace('%{http_code}', String(code)).replace(/\\n/g, '\n'));
  };
  if (status === undefined) {
    const local = /^(?:\w+:\/\/)?(localhost|127\.0\.0\.1)/.test(url);
    finish(0);
    if (!has('s') || flags.includes('-S'))
      io.err(
        local
          ? `curl: (7) Failed to connect to ${hostOf(url)} port ${/:(\d+)/.exec(url.replace(/^\w+:\/\//, ''))?.[1] ?? 80} after 0 ms: Couldn't connect to server\n`
          : `curl: (6) Could not resolve host: ${hostOf(url)}\n`,
      );
    return local ? 7 : 6;
  }
  if (status >= 400 && has('f')) {
    finish(status);
    if (!has('s') || flags.includes('-S')) io.err(`curl: (22) The requested URL returned error: ${status}\n`);
    return 22;
  }
  if (!flags.includes('-o') && !has('I'))
    io.out(status === 200 ? 'OK\n' : `<html><head><title>${status} Not Found</title></head></html>\n`);
  finish(status);
  return 0;
};

export const wget: Program = (sh, argv, io) => {
  const url = argv.slice(1).find((a, i) => !a.startsWith('-') && !['-O', '-T'].includes(argv[i]!));
  if (!url) {
    io.err('wget: missing URL\n');
    return 1;
  }
  const status = localStatus(sh, url);
  if (status === undefined) {
    const local = /^(?:\w+:\/\/)?(localhost|127\.0\.0\.1)/.test(url);
    io.err(
      local
        ? "wget: can't connect to remote host (127.0.0.1): Connection refused\n"
        : `wget: bad address '${hostOf(url)}'\n`,
    );
    return 1;
  }
  if (status >= 400) {
    io.err(`wget: server returned error: HTTP/1.1 ${status} Not Found\n`);
    return 1;
  }
  if (!argv.includes('--spider') && argv.some((a) => /^-\w*O/.test(a))) io.out('OK\n');
  return 0;
};
