// A fake Slack Web API in its own process, so a benchmark does not bill Slack's side to the app.
import { FakeSlack } from '../test/fakes/fake-slack.ts';

const slack = new FakeSlack();
process.stdout.write(`${await slack.start()}\n`);
process.on('SIGTERM', () => void slack.stop().then(() => process.exit(0)));
