import { ncConnect } from './net-tools.ts';
import { Blocked } from './process.ts';
import type { Program, Shell } from './sh-run.ts';

const stamp = (sh: Shell) =>
  new Date(Date.UTC(2026, 0, 1) + sh.proc.t * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, '')
    .replace(/-/g, '/');

/** URL paths a static server answers with 200, and their bodies: its files under `root`, and `/` when an index exists. */
function staticPaths(sh: Shell, root: string): Map<string, string> {
  const paths = new Map<string, string>();
  const prefix = `${root.replace(/\/$/, '')}/`;
  for (const [f, content] of sh.proc.fs.files) {
    if (!f.startsWith(prefix)) continue;
    const url = `/${f.slice(prefix.length)}`;
    paths.set(url, content);
    if (url.endsWith('/index.html')) paths.set(url.slice(0, -'index.html'.length), content);
  }
  return paths;
}

/** nginx: the ports `listen` names in conf.d (80 by default), the files under `root`, and `return 2xx` locations. */
export const nginx: Program = (sh, argv, io) => {
  if (argv.includes('-v') || argv.includes('-V')) {
    io.err('nginx version: nginx/1.27.4\n');
    return 0;
  }
  if (argv.includes('-t')) {
    io.err(
      'nginx: the configuration file /etc/nginx/nginx.conf syntax is ok\nnginx: configuration file /etc/nginx/nginx.conf test is successful\n',
    );
    return 0;
  }
  const confs = [...sh.proc.fs.files].filter(([p]) => p.startsWith('/etc/nginx/conf.d/') && p.endsWith('.conf'));
  const conf = confs.map(([, c]) => c).join('\n');
  const ports = [...conf.matchAll(/^\s*listen\s+(?:[\d.]+:)?(\d+)/gm)].map((m) => Number(m[1]));
  const root = /^\s*root\s+([^;\s]+)\s*;/m.exec(conf)?.[1] ?? '/usr/share/nginx/html';
  const paths = staticPaths(sh, root);
  for (const m of conf.matchAll(/location\s+=?\s*(\S+)\s*\{[^}]*return\s+2\d\d\s*(?:"([^"]*)")?/g))
    paths.set(m[1]!, m[2] ?? '');
  const daemonOff = argv.some((a, i) => argv[i - 1] === '-g' && /daemon\s+off/.test(a));
  io.err(
    `${stamp(sh)} [notice] 1#1: using the "epoll" event method\n${stamp(sh)} [notice] 1#1: nginx/1.27.4\n${stamp(sh)} [notice] 1#1: start worker processes\n`,
  );
  // Without `daemon off;` nginx forks into the background and PID 1 exits: the container completes.
  if (!daemonOff) return 0;
  for (const p of ports.length ? ports : [80]) sh.proc.listen(p, paths);
  throw new Blocked('nginx');
};

export const nginxEntrypoint: Program = (sh, argv, io) => {
  if (argv[1] === 'nginx' || argv[1] === 'nginx-debug')
    io.out(
      [
        '/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration',
        '/docker-entrypoint.sh: Looking for shell scripts in /docker-entrypoint.d/',
        '/docker-entrypoint.sh: Launching /docker-entrypoint.d/10-listen-on-ipv6-by-default.sh',
        '10-listen-on-ipv6-by-default.sh: info: Getting the checksum of /etc/nginx/conf.d/default.conf',
        '10-listen-on-ipv6-by-default.sh: info: Enabled listen on IPv6 in /etc/nginx/conf.d/default.conf',
        '/docker-entrypoint.sh: Sourcing /docker-entrypoint.d/15-local-resolvers.envsh',
        '/docker-entrypoint.sh: Launching /docker-entrypoint.d/20-envsubst-on-templates.sh',
        '/docker-entrypoint.sh: Launching /docker-entrypoint.d/30-tune-worker-processes.sh',
        '/docker-entrypoint.sh: Configuration complete; ready for start up',
        '',
      ].join('\n'),
    );
  return argv.length > 1 ? sh.invoke(argv.slice(1), io) : 0;
};

export const httpdForeground: Program = (sh, _argv, io) => {
  io.err(
    `AH00558: httpd: Could not reliably determine the server's fully qualified domain name, using ${sh.proc.hostname}. Set the 'ServerName' directive globally to suppress this message\n` +
      `[${stamp(sh)}] [mpm_event:notice] [pid 1:tid 1] AH00489: Apache/2.4.62 (Unix) configured -- resuming normal operations\n`,
  );
  sh.proc.listen(80, staticPaths(sh, '/usr/local/apache2/htdocs'));
  throw new Blocked('httpd');
};

export const redisServer: Program = (sh, argv, io) => {
  const i = argv.indexOf('--port');
  const port = i > 0 ? Number(argv[i + 1]) : 6379;
  io.out(
    `1:C ${stamp(sh)} * oO0OoO0OoO0Oo Redis is starting oO0OoO0OoO0Oo\n1:M ${stamp(sh)} * Server initialized\n1:M ${stamp(sh)} * Ready to accept connections tcp\n`,
  );
  sh.proc.listen(port, '*');
  throw new Blocked('redis-server');
};

export const redisCli: Program = (sh, argv, io) => {
  if (!sh.proc.ports.has(6379)) {
    io.err('Could not connect to Redis at 127.0.0.1:6379: Connection refused\n');
    return 1;
  }
  io.out(argv.includes('ping') || argv.includes('PING') ? 'PONG\n' : 'OK\n');
  return 0;
};

const POSTGRES_NO_PASSWORD = `Error: Database is uninitialized and superuser password is not specified.
       You must specify POSTGRES_PASSWORD to a non-empty value for the
       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
       connections without a password. This is *not* recommended.

       See PostgreSQL documentation about "trust":
       https://www.postgresql.org/docs/current/auth-trust.html
`;

/** The postgres image's entrypoint: refuses to initialise without a password, as the real one does. */
export const postgresEntrypoint: Program = (sh, argv, io) => {
  if (argv[1] !== 'postgres') return argv.length > 1 ? sh.invoke(argv.slice(1), io) : 0;
  if (!sh.vars.get('POSTGRES_PASSWORD') && sh.vars.get('POSTGRES_HOST_AUTH_METHOD') !== 'trust') {
    io.err(POSTGRES_NO_PASSWORD);
    return 1;
  }
  io.out(
    'The files belonging to this database system will be owned by user "postgres".\nSuccess. You can now start the database server using:\n\nPostgreSQL init process complete; ready for start up.\n\n',
  );
  sh.proc.sleep(3);
  return sh.invoke(argv.slice(1), io);
};

export const postgres: Program = (sh, _argv, io) => {
  io.out(
    `${stamp(sh)}.000 UTC [1] LOG:  listening on IPv4 address "0.0.0.0", port 5432\n${stamp(sh)}.000 UTC [1] LOG:  database system is ready to accept connections\n`,
  );
  sh.proc.listen(5432, '*');
  throw new Blocked('postgres');
};

export const pgIsReady: Program = (sh, _argv, io) => {
  const up = sh.proc.ports.has(5432);
  io.out(`/var/run/postgresql:5432 - ${up ? 'accepting connections' : 'no response'}\n`);
  return up ? 0 : 2;
};

function mebibytes(size: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)([bkmgBKMG]?)$/.exec(size ?? '256M');
  if (!m) return 256;
  return Number(m[1]) * { '': 1 / 1048576, b: 1 / 1048576, k: 1 / 1024, m: 1, g: 1024 }[m[2]!.toLowerCase()]!;
}

/** `stress` / `stress-ng`: hogs that hold `--vm N × --vm-bytes` of memory and `--cpu N` cores. */
export const stress: Program = (sh, argv, io) => {
  const opt = (name: string) => {
    const i = argv.indexOf(name);
    return i > 0 ? argv[i + 1] : undefined;
  };
  const vm = Number(opt('--vm') ?? (opt('--vm-bytes') ? 1 : 0));
  const cpu = Number(opt('--cpu') ?? 0);
  io.err(`stress: info: [1] dispatching hogs: ${cpu} cpu, 0 io, ${vm} vm, 0 hdd\n`);
  sh.proc.memoryMi += vm * mebibytes(opt('--vm-bytes'));
  if (cpu) sh.proc.cpuMillis = (sh.proc.cpuMillis ?? 0) + cpu * 1000;
  const timeout = opt('--timeout') ?? opt('-t');
  if (!timeout) throw new Blocked('stress');
  sh.proc.sleep(Number.parseFloat(timeout) * (timeout.endsWith('m') ? 60 : 1));
  io.err(`stress: info: [1] successful run completed in ${Number.parseFloat(timeout)}s\n`);
  return 0;
};

/** `nc -l -p PORT` / `nc -lk PORT` listens; as a client it needs the network (not simulated here). */
export const nc: Program = (sh, argv, io) => {
  if (argv.some((a) => /^-\w*l/.test(a))) {
    const p = argv.indexOf('-p');
    const port = Number(p > 0 ? argv[p + 1] : argv.slice(1).find((a) => /^\d+$/.test(a)));
    sh.proc.listen(port, '*');
    throw new Blocked('nc');
  }
  return ncConnect(sh, argv, io);
};

/** busybox `httpd -f -p PORT -h DIR`; without `-f` it daemonizes and PID 1 exits. */
export const busyboxHttpd: Program = (sh, argv) => {
  const opt = (name: string) => argv[argv.indexOf(name) + 1];
  if (!argv.includes('-f')) return 0;
  const port = Number((argv.includes('-p') ? opt('-p') : '80')?.replace(/^.*:/, ''));
  sh.proc.listen(port, staticPaths(sh, argv.includes('-h') ? opt('-h')! : '/www'));
  throw new Blocked('httpd');
};
