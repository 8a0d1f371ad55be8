/** The wildcard domain routes get their host from (`<route>-<namespace>.<domain>`), as the ingress config sets it. */
export const ROUTER_DOMAIN = 'apps.sandbox.example.com';
