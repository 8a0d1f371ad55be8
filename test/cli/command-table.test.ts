import { describe, expect, it } from 'vitest';
import { COMMAND_TABLE } from '../../src/cli/command-table.ts';

/** The table help and usage errors read is the same the command modules run with. */
describe('the command table', () => {
  it('loads every command, each carrying its own name, usage and summary from the table', async () => {
    expect(new Set(COMMAND_TABLE.map((c) => c.name)).size).toBe(COMMAND_TABLE.length);
    for (const info of COMMAND_TABLE) {
      const command = await info.load();
      expect({ name: command.name, usage: command.usage, summary: command.summary }).toEqual({
        name: info.name,
        usage: info.usage,
        summary: info.summary,
      });
      expect(command.usage.split(' ')[0]).toBe(info.name);
    }
  });
});
