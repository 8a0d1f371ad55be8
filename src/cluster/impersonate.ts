import type { KubeConfig } from '@kubernetes/client-node';
import { type Dispatcher, getGlobalDispatcher } from 'undici';

export interface KubeIdentity {
  readonly user: string;
  readonly groups: readonly string[];
}

type Context = {
  setHeaderParam(k: string, v: string): void;
  setDispatcher(d: Dispatcher): void;
  getDispatcher(): Dispatcher | undefined;
};
type Authenticating = { applySecurityAuthentication(context: Context): Promise<void> };

/**
 * A view of `kc` whose requests act as `who` (Impersonate-User, and one Impersonate-Group line per
 * group): the cluster's RBAC decides what the approver may do and its audit log names them, while
 * the credentials stay ours (they need the `impersonate` verb). Headers go on at the connection
 * pool, because fetch would fold repeated Impersonate-Group headers into one "a, b" value, which
 * the API server reads as a single group. The original config is untouched and the pool is shared.
 */
export function impersonating(kc: KubeConfig, who: KubeIdentity): KubeConfig {
  const view = Object.create(kc) as KubeConfig & Authenticating;
  const apply = (kc as unknown as Authenticating).applySecurityAuthentication;
  view.applySecurityAuthentication = async (context) => {
    await apply.call(view, context);
    const pool = context.getDispatcher() ?? getGlobalDispatcher();
    context.setDispatcher(
      pool.compose(
        (dispatch) => (opts, handler) => dispatch({ ...opts, headers: withIdentity(opts.headers, who) }, handler),
      ),
    );
  };
  return view;
}

/** Adds the impersonation headers, dropping any the request carried (a caller cannot widen them). */
function withIdentity(headers: Dispatcher.DispatchOptions['headers'], who: KubeIdentity): string[] {
  const flat: string[] = [];
  const add = (k: string, v: unknown) => {
    if (/^impersonate-/i.test(k)) return;
    for (const one of Array.isArray(v) ? v : [v]) if (one !== undefined) flat.push(k, String(one));
  };
  if (Array.isArray(headers)) for (let i = 0; i + 1 < headers.length; i += 2) add(String(headers[i]), headers[i + 1]);
  else if (headers && typeof (headers as Iterable<unknown>)[Symbol.iterator] === 'function')
    for (const [k, v] of headers as Iterable<[string, string | string[]]>) add(k, v);
  else if (headers) for (const [k, v] of Object.entries(headers)) add(k, v);
  flat.push('Impersonate-User', who.user);
  for (const g of who.groups) flat.push('Impersonate-Group', g);
  return flat;
}
