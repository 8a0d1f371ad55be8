import { BUILTINS } from '../shell/builtins.ts';
import { COREUTILS } from '../shell/coreutils.ts';
import { curl, wget } from '../shell/http-clients.ts';
import { nslookup, ps } from '../shell/net-tools.ts';
import { Blocked, type ShellFlavour } from '../shell/process.ts';
import { python } from '../shell/python.ts';
import {
  busyboxHttpd,
  httpdForeground,
  nc,
  nginx,
  nginxEntrypoint,
  pgIsReady,
  postgres,
  postgresEntrypoint,
  redisCli,
  redisServer,
  stress,
} from '../shell/servers.ts';
import type { Program } from '../shell/sh-run.ts';
import { shellProgram } from '../shell/shell-program.ts';

/** What an image is as far as the sandbox simulates it: its shell, programs, defaults and files. */
export interface ImageProfile {
  /** The shell `/bin/sh` is, or undefined for an image without one (distroless, pause). */
  flavour?: ShellFlavour;
  entrypoint: string[];
  cmd: string[];
  env: Record<string, string>;
  files: Record<string, string>;
  programs: Record<string, Program>;
}

const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const NGINX_INDEX = `<!DOCTYPE html>
<html>
<head>
<title>Welcome to nginx!</title>
</head>
<body>
<h1>Welcome to nginx!</h1>
<p>If you see this page, the nginx web server is successfully installed and working.</p>
</body>
</html>
`;
const NGINX_DEFAULT_CONF = `server {
    listen       80;
    listen  [::]:80;
    server_name  localhost;

    location / {
        root   /usr/share/nginx/html;
        index  index.html index.htm;
    }

    error_page   500 502 503 504  /50x.html;
    location = /50x.html {
        root   /usr/share/nginx/html;
    }
}
`;

function shells(flavour: ShellFlavour, bash: boolean): Record<string, Program> {
  return {
    ...BUILTINS,
    ...COREUTILS,
    sh: shellProgram(flavour === 'bash' ? 'dash' : flavour),
    ...(bash ? { bash: shellProgram('bash') } : {}),
  };
}

const debian = (extra: Record<string, Program> = {}) => ({ ...shells('dash', true), ...extra });
const alpine = (extra: Record<string, Program> = {}) => ({ ...shells('ash', false), nc, wget, nslookup, ps, ...extra });

function profile(p: Partial<ImageProfile> & Pick<ImageProfile, 'programs'>): ImageProfile {
  return {
    flavour: 'dash',
    entrypoint: [],
    cmd: [],
    files: {},
    ...p,
    env: { PATH, ...p.env },
  };
}

/** Profiles of the well-known images, by official name; `-alpine` variants swap the userland. */
export function profileOf(name: string, tag: string): ImageProfile | undefined {
  const onAlpine = /alpine/.test(tag);
  const userland = onAlpine ? alpine : debian;
  const flavour: ShellFlavour = onAlpine ? 'ash' : 'dash';
  switch (name) {
    case 'nginx':
      return profile({
        flavour,
        entrypoint: ['/docker-entrypoint.sh'],
        cmd: ['nginx', '-g', 'daemon off;'],
        env: { NGINX_VERSION: '1.27.4' },
        files: {
          '/usr/share/nginx/html/index.html': NGINX_INDEX,
          '/usr/share/nginx/html/50x.html': '<!DOCTYPE html>\n<html><body><h1>An error occurred.</h1></body></html>\n',
          '/etc/nginx/conf.d/default.conf': NGINX_DEFAULT_CONF,
        },
        programs: userland({ nginx, 'docker-entrypoint.sh': nginxEntrypoint, curl }),
      });
    case 'httpd':
      return profile({
        flavour,
        cmd: ['httpd-foreground'],
        env: { HTTPD_PREFIX: '/usr/local/apache2' },
        files: { '/usr/local/apache2/htdocs/index.html': '<html><body><h1>It works!</h1></body></html>\n' },
        programs: userland({ 'httpd-foreground': httpdForeground }),
      });
    case 'busybox':
      return profile({ flavour: 'ash', cmd: ['sh'], programs: alpine({ httpd: busyboxHttpd }) });
    case 'alpine':
      return profile({ flavour: 'ash', cmd: ['/bin/sh'], programs: alpine() });
    case 'ubuntu':
      return profile({ cmd: ['bash'], programs: debian({ ps }) });
    case 'debian':
      return profile({ cmd: ['bash'], programs: debian() });
    case 'python':
      return profile({
        flavour,
        cmd: ['python3'],
        env: { PYTHON_VERSION: '3.12.7', LANG: 'C.UTF-8' },
        programs: userland({ python, python3: python, ...(onAlpine || /slim/.test(tag) ? {} : { curl, wget, ps }) }),
      });
    case 'redis':
      return profile({
        flavour,
        entrypoint: ['docker-entrypoint.sh'],
        cmd: ['redis-server'],
        programs: userland({
          'docker-entrypoint.sh': (sh, argv, io) => sh.invoke(argv.slice(1), io),
          'redis-server': redisServer,
          'redis-cli': redisCli,
        }),
      });
    case 'postgres':
      return profile({
        flavour,
        entrypoint: ['docker-entrypoint.sh'],
        cmd: ['postgres'],
        env: { PGDATA: '/var/lib/postgresql/data', PG_MAJOR: tag.split('.')[0] ?? '17' },
        programs: userland({ 'docker-entrypoint.sh': postgresEntrypoint, postgres, pg_isready: pgIsReady }),
      });
  }
  return undefined;
}

/** Well-known images of other namespaces and registries. */
export function otherProfile(repository: string): ImageProfile | undefined {
  switch (repository) {
    case 'polinux/stress':
    case 'progrium/stress':
      return profile({ flavour: 'ash', cmd: ['stress', '--help'], programs: alpine({ stress }) });
    case 'alexeiled/stress-ng':
    case 'colinianking/stress-ng':
      return profile({ flavour: 'ash', entrypoint: ['stress-ng'], programs: alpine({ 'stress-ng': stress }) });
    case 'curlimages/curl':
      return profile({ flavour: 'ash', entrypoint: ['curl'], programs: alpine({ curl }) });
    case 'pause':
    case 'google_containers/pause':
      return profile({
        flavour: undefined,
        entrypoint: ['/pause'],
        programs: {
          pause: () => {
            throw new Blocked('pause');
          },
        },
      });
  }
  return undefined;
}

/** Anything else: a shell and the usual tools are assumed; its own binaries are opaque servers. */
export const GENERIC_PROGRAMS: Record<string, Program> = {
  ...debian({ curl, wget, nc, python, python3: python, stress, 'stress-ng': stress }),
};
