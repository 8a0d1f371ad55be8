import type { webApi } from '@slack/bolt';

const TTL_MS = 60_000;

/**
 * Which of `groups` (Slack user group IDs, S…) `user` belongs to, from `usergroups.users.list`,
 * each group's members cached for a minute. A group Slack will not list counts as no membership:
 * approval fails closed.
 */
export function userGroupResolver(
  client: webApi.WebClient,
  now = Date.now,
): (user: string, groups: readonly string[]) => Promise<string[]> {
  const cache = new Map<string, { at: number; members: Promise<Set<string>> }>();
  const members = (group: string) => {
    const hit = cache.get(group);
    if (hit && now() - hit.at < TTL_MS) return hit.members;
    const fresh = client.usergroups.users.list({ usergroup: group }).then(
      (r) => new Set(r.users ?? []),
      () => {
        cache.delete(group);
        return new Set<string>();
      },
    );
    cache.set(group, { at: now(), members: fresh });
    return fresh;
  };
  return async (user, groups) => {
    const ids = [...new Set(groups.filter((g) => g.startsWith('S')))];
    const hits = await Promise.all(ids.map(async (g) => ((await members(g)).has(user) ? g : undefined)));
    return hits.filter((g): g is string => g !== undefined);
  };
}
