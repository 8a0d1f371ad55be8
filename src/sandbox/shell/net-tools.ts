import type { Io, Program, Shell } from './sh-run.ts';

// busybox's nslookup, nc (as a client) and ps, against the cluster network the container is in.

const DNS = '10.96.0.10';

export const nslookup: Program = (sh, argv, io) => {
  const name = argv.slice(1).find((a) => !a.startsWith('-'));
  if (!name) {
    io.err('Usage: nslookup [-type=QUERY_TYPE] [-debug] HOST [DNS_SERVER]\n');
    return 1;
  }
  const found = sh.proc.net?.resolve(name);
  io.out(`Server:\t\t${DNS}\nAddress:\t${DNS}:53\n\n`);
  if (!found) {
    io.err(
      `** server can't find ${name.includes('.') ? name : `${name}.${sh.vars.get('POD_NAMESPACE') ?? 'default'}.svc.cluster.local`}: NXDOMAIN\n`,
    );
    return 1;
  }
  io.out(`Name:\t${found.fqdn}\nAddress: ${found.address}\n\n`);
  return 0;
};

/** `nc [-z] [-w SECS] HOST PORT`: exit 0 when the port accepts a connection. */
export function ncConnect(sh: Shell, argv: string[], io: Io): number {
  const args = argv.slice(1);
  const w = args.indexOf('-w');
  const wait = w >= 0 ? Number(args[w + 1]) : undefined;
  const [host, port] = args.filter((a, i) => !a.startsWith('-') && args[i - 1] !== '-w');
  if (!host || !port) {
    io.err('BusyBox v1.36.1 multi-call binary.\n\nUsage: nc [OPTIONS] HOST PORT  - connect\n');
    return 1;
  }
  if (host === 'localhost' || host === '127.0.0.1') {
    if (sh.proc.ports.has(Number(port)) || sh.proc.everywhere) return 0;
    io.err(`nc: can't connect to remote host (127.0.0.1): Connection refused\n`);
    return 1;
  }
  const c = sh.proc.net?.connect(host, Number(port));
  if (c?.ok) return 0;
  if (!c || c.error === 'unresolved') io.err(`nc: bad address '${host}'\n`);
  else if (c.error === 'refused') io.err(`nc: can't connect to remote host (${c.address}): Connection refused\n`);
  else {
    sh.proc.sleep(wait ?? 130);
    io.err(`nc: ${wait ? 'timeout' : `can't connect to remote host (${c.address}): Connection timed out`}\n`);
  }
  return 1;
}

export const ps: Program = (sh, _argv, io) => {
  const main = sh.proc.mainArgv.join(' ') || 'sh';
  io.out(`PID   USER     TIME  COMMAND\n    1 root      0:00 ${main}\n   ${String(7).padStart(2)} root      0:00 ps\n`);
  return 0;
};
