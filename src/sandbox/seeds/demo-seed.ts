import { join } from 'node:path';

/**
 * The demo incident (`claw demo`): release shop/cart:1.4.2 crashes at start-up while 1.4.1 was
 * healthy. The demo, rehearsals, benches and end-to-end tests all start from this state file.
 */
export const DEMO_SEED = join(import.meta.dirname, 'demo-incident.yaml');

/** The Slack user the demo approves as, with `claw demo --yes`. */
export const DEMO_APPROVER = 'U0CLAWDEMO';
