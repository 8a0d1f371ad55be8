import { loadConfig } from '../../config/config.ts';
import { openStore } from '../../store/db.ts';
import { migrate } from '../../store/migrate.ts';
import { type Command, parse } from '../command.ts';
import { commandInfo } from '../command-table.ts';

export const migrateCommand: Command = {
  ...commandInfo('migrate'),
  async run(argv) {
    parse(argv, {}, false);
    const config = loadConfig();
    const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
    try {
      const applied = await migrate(store.db);
      process.stdout.write(
        applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}\n` : 'database is up to date\n',
      );
      return 0;
    } finally {
      await store.close();
    }
  },
};
