// Fires the storm at a webhook from its own process: argv = url token groups perGroup alertsPer concurrency.
// Each group's notifications go one after another (as Alertmanager sends them); groups in parallel.
// node:http with keep-alive, not fetch: the sender's own cost must not be what is measured.
// Prints { ms, statuses }.
import { Agent, request } from 'node:http';
import { stormNotification } from './alert-storm-payloads.ts';

const [url, token, groups, perGroup, alertsPer, concurrency] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
  string,
];
const G = Number(groups);
const agent = new Agent({ keepAlive: true, maxSockets: Number(concurrency) });
const statuses: Record<number, number> = {};
// Bodies are ready before the clock starts: Alertmanager has its notifications in hand too.
const bodies = Array.from({ length: G }, (_, g) =>
  Array.from({ length: Number(perGroup) }, (_, k) =>
    Buffer.from(JSON.stringify(stormNotification(g, k, Number(alertsPer)))),
  ),
);

function post(body: Buffer): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        agent,
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': 'application/json',
          'content-length': body.length,
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

let next = 0;
const started = performance.now();
async function worker(): Promise<void> {
  for (let g = next++; g < G; g = next++) {
    for (let k = 0; k < Number(perGroup); k++) {
      for (;;) {
        const status = await post(bodies[g]![k]!);
        statuses[status] = (statuses[status] ?? 0) + 1;
        if (status < 500) break; // Alertmanager retries 5xx
      }
    }
  }
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
process.stdout.write(JSON.stringify({ ms: performance.now() - started, statuses }));
agent.destroy();
