// A fake Slack Web API in its own process, so a benchmark does not bill Slack's side to the app.
// With a file argument, SIGTERM writes the calls it received there first (method, channel, thread, time).
import { writeFileSync } from 'node:fs';
import { FakeSlack } from '../test/fakes/fake-slack.ts';

const slack = new FakeSlack();
const log = process.argv[2];
process.stdout.write(`${await slack.start()}\n`);
process.on('SIGTERM', () => {
  if (log)
    writeFileSync(
      log,
      JSON.stringify(
        slack.calls.map((c) => ({
          method: c.method,
          channel: c.args.channel,
          thread: c.args.thread_ts,
          ok: c.result?.ok,
          at: c.at,
          text: String(c.args.text ?? '').slice(0, 80),
        })),
      ),
    );
  void slack.stop().then(() => process.exit(0));
});
