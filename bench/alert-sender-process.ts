// Fires the storm at a webhook from its own process: argv = url token groups perGroup alertsPer concurrency.
// Each group's notifications go one after another (as Alertmanager sends them); groups in parallel.
// Prints { ms, statuses }.
import { stormNotification } from './alert-storm-payloads.ts';

const [url, token, groups, perGroup, alertsPer, concurrency] = process.argv.slice(2) as [string, string, string, string, string, string];
const G = Number(groups);
const statuses: Record<number, number> = {};
let next = 0;
const started = performance.now();
async function worker(): Promise<void> {
  for (;;) {
    const g = next++;
    if (g >= G) return;
    for (let k = 0; k < Number(perGroup); k++) {
      const body = JSON.stringify(stormNotification(g, k, Number(alertsPer)));
      for (;;) {
        const res = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
        await res.arrayBuffer();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        if (res.status < 500) break; // Alertmanager retries 5xx
      }
    }
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(JSON.stringify({ ms: performance.now() - started, statuses }));
