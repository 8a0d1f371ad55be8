import type { ResourceRegistry, ResourceType } from './resources.ts';

export type ApiPath =
  | { kind: 'discovery'; doc: 'version' | 'api' | 'apis' | 'group' | 'resources'; group: string; version: string }
  | { kind: 'resource'; type: ResourceType; namespace?: string; name?: string; subresource?: string };

/** Parses `/api/v1/...` and `/apis/{group}/{version}/...` into a resource reference. */
export function parseApiPath(pathname: string, types: ResourceRegistry): ApiPath | undefined {
  const seg = pathname.split('/').filter(Boolean).map(decodeURIComponent);
  if (seg[0] === 'version' && seg.length === 1) return { kind: 'discovery', doc: 'version', group: '', version: '' };
  let group: string;
  let version: string;
  let rest: string[];
  if (seg[0] === 'api') {
    if (seg.length === 1) return { kind: 'discovery', doc: 'api', group: '', version: '' };
    [group, version, rest] = ['', seg[1]!, seg.slice(2)];
  } else if (seg[0] === 'apis') {
    if (seg.length === 1) return { kind: 'discovery', doc: 'apis', group: '', version: '' };
    if (seg.length === 2) return { kind: 'discovery', doc: 'group', group: seg[1]!, version: '' };
    [group, version, rest] = [seg[1]!, seg[2]!, seg.slice(3)];
  } else return undefined;
  if (rest.length === 0) return { kind: 'discovery', doc: 'resources', group, version };
  let namespace: string | undefined;
  const namespacedPlural =
    rest[0] === 'namespaces' && rest.length >= 3 ? types.findByPlural(group, version, rest[2]!) : undefined;
  if (namespacedPlural?.namespaced) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const type = types.findByPlural(group, version, rest[0]!);
  if (!type || rest.length > 3) return undefined;
  return { kind: 'resource', type, namespace, name: rest[1], subresource: rest[2] };
}
