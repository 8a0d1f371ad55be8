/**
 * What Docker Hub holds, judged offline. The names are the Docker Official Images (the `library/`
 * namespace): any other single-name image, such as a misspelt `ngnix`, does not exist there. For the
 * well-known images the sandbox simulates, the tags are those published up to late 2025: each
 * minor line with its highest patch, every patch below it, the minor and major aliases, and the
 * variant suffixes. Other official images accept any tag; other registries hold whatever a
 * `SandboxImage` does not say they lack.
 */

export const OFFICIAL_IMAGES = new Set(
  `adminer aerospike almalinux alpine alt amazoncorretto amazonlinux api-firewall arangodb archlinux backdrop bash bonita
  buildpack-deps busybox caddy cassandra chronograf cirros clearlinux clickhouse clojure composer convertigo couchbase couchdb
  crate dart debian docker drupal eclipse-mosquitto eclipse-temurin eggdrop elasticsearch elixir emqx erlang fedora flink
  fluentd friendica gazebo gcc geonetwork ghost golang gradle groovy haproxy haskell hello-world hitch httpd hylang ibm-semeru-runtimes
  ibmjava influxdb irssi jetty joomla julia kapacitor kibana kong krakend lightstreamer liquibase logstash mageia
  maven mediawiki memcached mongo mongo-express monica mysql nats neo4j neurodebian nextcloud nginx node notary odoo
  open-liberty openjdk oraclelinux orientdb percona perl photon php php-zendserver phpmyadmin plone postfixadmin postgres
  pypy python r-base rabbitmq rakudo-star redis redmine registry rethinkdb rocket.chat rockylinux ros ruby rust sapmachine
  satosa silverpeas solr sonarqube spark spiped storm swift swipl teamspeak telegraf tomcat tomee traefik ubuntu unit
  varnish websphere-liberty wordpress xwiki yourls znc zookeeper centos consul vault jenkins nats-streaming`.split(
    /\s+/,
  ),
);

type Lines = Record<string, number>;

/** `{ '1.27': 5 }` → 1.27.0 … 1.27.5 and 1.27, each with every suffix; plus `extra` tags as they are. */
function tags(lines: Lines, suffixes: string[], extra: string[], majors = true): Set<string> {
  const out = new Set<string>(extra);
  for (const [minor, top] of Object.entries(lines)) {
    const versions = [minor, ...(top < 0 ? [] : Array.from({ length: top + 1 }, (_, p) => `${minor}.${p}`))];
    if (majors) versions.push(minor.split('.')[0]!);
    for (const v of versions) for (const s of suffixes) out.add(`${v}${s}`);
  }
  return out;
}

const ALPINE_VERSIONS = ['3.18', '3.19', '3.20', '3.21', '3.22'];
const alpineSuffixes = (base: string[]) => [...base, ...ALPINE_VERSIONS.map((v) => `-alpine${v}`)];

export const TAG_CATALOGUE: Record<string, Set<string>> = {
  nginx: tags(
    {
      '1.14': 2,
      '1.15': 12,
      '1.16': 1,
      '1.17': 10,
      '1.18': 0,
      '1.19': 10,
      '1.20': 2,
      '1.21': 6,
      '1.22': 1,
      '1.23': 4,
      '1.24': 0,
      '1.25': 5,
      '1.26': 3,
      '1.27': 5,
      '1.28': 0,
      '1.29': 3,
    },
    [
      '',
      '-alpine',
      '-perl',
      '-alpine-slim',
      '-alpine-perl',
      '-bookworm',
      '-bullseye',
      '-bookworm-perl',
      '-otel',
      '-alpine-otel',
    ],
    [
      ...['latest', 'stable', 'mainline', 'alpine', 'perl', 'alpine-slim', 'alpine-perl', 'bookworm', 'otel'],
      ...[
        'stable-alpine',
        'mainline-alpine',
        'stable-perl',
        'mainline-perl',
        'stable-alpine-slim',
        'mainline-alpine-slim',
      ],
    ],
  ),
  httpd: tags({ '2.2': 34, '2.4': 65 }, ['', '-alpine', '-bookworm', '-bullseye'], ['latest', 'alpine', 'bookworm']),
  busybox: tags(
    {
      '1.24': 2,
      '1.25': 1,
      '1.26': 2,
      '1.27': 2,
      '1.28': 4,
      '1.29': 3,
      '1.30': 1,
      '1.31': 1,
      '1.32': 1,
      '1.33': 1,
      '1.34': 1,
      '1.35': 0,
      '1.36': 1,
      '1.37': 0,
    },
    ['', '-glibc', '-musl', '-uclibc'],
    ['latest', 'stable', 'glibc', 'musl', 'uclibc', 'unstable'],
  ),
  alpine: tags(
    {
      '3.5': 3,
      '3.6': 5,
      '3.7': 3,
      '3.8': 5,
      '3.9': 6,
      '3.10': 9,
      '3.11': 13,
      '3.12': 12,
      '3.13': 12,
      '3.14': 10,
      '3.15': 11,
      '3.16': 9,
      '3.17': 10,
      '3.18': 12,
      '3.19': 8,
      '3.20': 7,
      '3.21': 4,
      '3.22': 1,
    },
    [''],
    ['latest', 'edge'],
  ),
  ubuntu: (() => {
    const names = ['trusty', 'xenial', 'bionic', 'focal', 'jammy', 'noble', 'oracular', 'plucky', 'questing'];
    const versions = ['14.04', '16.04', '18.04', '20.04', '22.04', '24.04', '24.10', '25.04', '25.10'];
    return new Set(['latest', 'rolling', 'devel', ...names, ...versions]);
  })(),
  debian: tags(
    { '9': 13, '10': 13, '11': 11, '12': 11, '13': 0 },
    ['', '-slim'],
    [
      'latest',
      'stable',
      'oldstable',
      'testing',
      'unstable',
      'sid',
      'stretch',
      'buster',
      'bullseye',
      'bookworm',
      'trixie',
    ],
    false,
  ),
  python: tags(
    { '2.7': 18, '3.6': 15, '3.7': 17, '3.8': 20, '3.9': 23, '3.10': 18, '3.11': 13, '3.12': 11, '3.13': 5, '3.14': 0 },
    alpineSuffixes(['', '-slim', '-alpine', '-bookworm', '-bullseye', '-slim-bookworm', '-slim-bullseye']),
    ['latest', 'slim', 'alpine', 'bookworm', 'bullseye', 'slim-bookworm'],
  ),
  redis: tags(
    { '5.0': 14, '6.0': 20, '6.2': 19, '7.0': 15, '7.2': 10, '7.4': 5, '8.0': 3, '8.2': 1 },
    alpineSuffixes(['', '-alpine', '-bookworm', '-bullseye']),
    ['latest', 'alpine', 'bookworm'],
  ),
  postgres: tags(
    { '9.6': 24, '10': 23, '11': 22, '12': 22, '13': 21, '14': 18, '15': 13, '16': 9, '17': 5, '18': 0 },
    alpineSuffixes(['', '-alpine', '-bookworm', '-bullseye']),
    ['latest', 'alpine', 'bookworm', 'bullseye'],
  ),
};
