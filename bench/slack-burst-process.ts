// Fires a burst of concurrent signed /claw commands at URL and prints each latency (ms) as JSON.
// Its own process, so the client's work never queues behind the app's (or the app's behind it).
import { signedHeaders, slashCommandBody } from '../test/helpers/slack-requests.ts';

const [url = '', secret = '', count = '200', round = '0'] = process.argv.slice(2);
const bodies = Array.from({ length: Number(count) }, (_, i) =>
  slashCommandBody({
    text: `investigate checkout is failing in shop (${round}.${i})`,
    user: `U0USER${i % 20}`,
    channel: `C0CHAN${i % 10}`,
  }),
);
const latencies = await Promise.all(
  bodies.map(async (body) => {
    const started = performance.now();
    const res = await fetch(`${url}/slack/events`, { method: 'POST', body, headers: signedHeaders(secret, body) });
    await res.arrayBuffer();
    if (res.status !== 200) throw new Error(`${url} answered ${res.status}`);
    return performance.now() - started;
  }),
);
process.stdout.write(JSON.stringify(latencies));
