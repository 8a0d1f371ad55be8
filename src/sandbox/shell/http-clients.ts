import type { Served } from './process.ts';
import type { Program, Shell } from './sh-run.ts';

// curl and wget as the images that ship them behave: to the container's own servers (localhost),
// and, in a running pod, through the cluster network (Service → endpoints → the serving container,
// NetworkPolicies applied). A dropped connection waits out the client's timeout on the clock.

type Fetched =
  | { ok: true; status: number; body: string; address: string }
  | { ok: false; error: 'unresolved' | 'refused' | 'timeout'; address?: string };

interface Url {
  host: string;
  port: number;
  path: string;
}

export function parseUrl(raw: string): Url {
  const m = /^(?:(\w+):\/\/)?(\[[^\]]+\]|[^/:?#]+)(?::(\d+))?([^?#]*)/.exec(raw);
  const scheme = m?.[1] ?? 'http';
  return {
    host: m?.[2] ?? raw,
    port: Number(m?.[3] ?? (scheme === 'https' ? 443 : 80)),
    path: m?.[4] || '/',
  };
}

function answer(served: Served, path: string): { status: number; body: string } {
  if (served === '*') return { status: 200, body: 'OK\n' };
  const body = served.get(path);
  return body === undefined
    ? {
        status: 404,
        body: '<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n',
      }
    : { status: 200, body };
}

export function fetchUrl(sh: Shell, raw: string): Fetched {
  const url = parseUrl(raw);
  if (url.host === 'localhost' || url.host === '127.0.0.1') {
    const served = sh.proc.ports.get(url.port) ?? (sh.proc.everywhere ? '*' : undefined);
    return served
      ? { ok: true, address: '127.0.0.1', ...answer(served, url.path) }
      : { ok: false, error: 'refused', address: '127.0.0.1' };
  }
  if (!sh.proc.net) return { ok: false, error: /^[\d.]+$/.test(url.host) ? 'refused' : 'unresolved' };
  const c = sh.proc.net.connect(url.host, url.port);
  if (!c.ok) return c;
  return { ok: true, address: c.address, ...answer(c.served, url.path) };
}

const TIMEOUT_OPTS = ['-m', '--max-time', '--connect-timeout'];

export const curl: Program = (sh, argv, io) => {
  const args = argv.slice(1);
  const valued = ['-o', '-w', '-H', '-X', '-d', '--data', '-u', '-A', ...TIMEOUT_OPTS];
  const url = args.find((a, i) => !a.startsWith('-') && !valued.includes(args[i - 1]!));
  const opt = (names: string[]) => {
    const i = args.findIndex((a) => names.includes(a));
    return i >= 0 ? args[i + 1] : undefined;
  };
  const flag = (short: string, long: string) =>
    args.includes(`--${long}`) || args.some((a) => /^-[a-zA-Z]+$/.test(a) && a.includes(short));
  const silent = flag('s', 'silent') && !flag('S', 'show-error');
  if (!url) {
    io.err("curl: try 'curl --help' or 'curl --manual' for more information\n");
    return 2;
  }
  const { host, port } = parseUrl(url);
  const got = fetchUrl(sh, url);
  const writeOut = (code: number) => {
    const w = opt(['-w', '--write-out']);
    if (w !== undefined) io.out(w.replace('%{http_code}', String(code).padStart(3, '0')).replace(/\\n/g, '\n'));
  };
  if (!got.ok) {
    writeOut(0);
    const limit = Number(opt(TIMEOUT_OPTS) ?? 130);
    if (got.error === 'timeout') sh.proc.sleep(limit);
    const [code, message] =
      got.error === 'unresolved'
        ? [6, `Could not resolve host: ${host}`]
        : got.error === 'refused'
          ? [7, `Failed to connect to ${host} port ${port} after 0 ms: Couldn't connect to server`]
          : [28, `Connection timed out after ${limit * 1000} milliseconds`];
    if (!silent) io.err(`curl: (${code}) ${message}\n`);
    return code;
  }
  if (got.status >= 400 && flag('f', 'fail')) {
    writeOut(got.status);
    if (!silent) io.err(`curl: (22) The requested URL returned error: ${got.status}\n`);
    return 22;
  }
  const file = opt(['-o', '--output']);
  if (file && file !== '/dev/null') sh.proc.fs.write(sh.proc.t, sh.path(file), got.body);
  else if (!file && !flag('I', 'head')) io.out(got.body);
  if (flag('I', 'head')) io.out(`HTTP/1.1 ${got.status} ${got.status === 200 ? 'OK' : 'Not Found'}\r\n\r\n`);
  writeOut(got.status);
  return 0;
};

export const wget: Program = (sh, argv, io) => {
  const args = argv.slice(1);
  // `-O FILE`, `-O-`, `-qO-`, `-qO FILE`: the output option may carry its value or take the next word.
  const takesValue = (a: string | undefined) => a !== undefined && (/^-\w*[OT]$/.test(a) || a === '-T');
  const url = args.find((a, i) => !a.startsWith('-') && !takesValue(args[i - 1]));
  if (!url) {
    io.err(
      'BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: wget [-cqS] [--spider] [-O FILE] URL\n',
    );
    return 1;
  }
  const quiet = args.some((a) => /^-\w*q/.test(a));
  const o = args.findIndex((a) => /^-\w*O/.test(a));
  const output = o < 0 ? undefined : /O$/.test(args[o]!) ? (args[o + 1] ?? '-') : args[o]!.replace(/^-\w*O/, '');
  const { host, port } = parseUrl(url);
  const got = fetchUrl(sh, url);
  if (!got.ok) {
    if (got.error === 'unresolved') io.err(`wget: bad address '${host}'\n`);
    else if (got.error === 'refused')
      io.err(`wget: can't connect to remote host (${got.address}): Connection refused\n`);
    else {
      const t = args.findIndex((a) => /^-\w*T$/.test(a));
      sh.proc.sleep(t >= 0 ? Number(args[t + 1]) : 900);
      io.err('wget: download timed out\n');
    }
    return 1;
  }
  if (!quiet) io.err(`Connecting to ${host}:${port} (${got.address}:${port})\n`);
  if (got.status >= 400) {
    io.err(`wget: server returned error: HTTP/1.1 ${got.status} Not Found\n`);
    return 1;
  }
  if (args.includes('--spider')) {
    if (!quiet) io.err('remote file exists\n');
    return 0;
  }
  if (output === '-') io.out(got.body);
  else sh.proc.fs.write(sh.proc.t, sh.path(output ?? 'index.html'), got.body);
  return 0;
};
