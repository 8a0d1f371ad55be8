import type { KubeConfig } from '@kubernetes/client-node';
import { loadKubeConfig } from './cluster/kube-config.ts';
import type { Config } from './config/config.ts';
import { createLogger, type Logger } from './observability/logger.ts';
import { openStore, type StoreHandle } from './store/db.ts';
import { migrate } from './store/migrate.ts';

export interface Runtime {
  config: Config;
  logger: Logger;
  store: StoreHandle;
  kubeConfigFor(cluster: string): KubeConfig;
  close(): Promise<void>;
}

/**
 * The dependencies every command shares: the store (migrated), the logger, and kubeconfigs per
 * cluster (`default` = the current context). Kubeconfig is loaded lazily: `claw serve` must start
 * without one.
 */
export async function openRuntime(
  config: Config,
  opts: { logLevel?: string; memoryStore?: boolean } = {},
): Promise<Runtime> {
  const logger = createLogger(opts.logLevel ?? config.logLevel);
  const store = await openStore({
    databaseUrl: config.databaseUrl,
    dataDir: config.dataDir,
    memory: opts.memoryStore,
    signing: config.signing,
    onIdleError: (err) => logger.warn({ err: err.message }, 'a database connection dropped; the next query reconnects'),
  });
  try {
    await migrate(store.db);
  } catch (e) {
    await store.close();
    throw e;
  }
  const cache = new Map<string, KubeConfig>();
  return {
    config,
    logger,
    store,
    kubeConfigFor(cluster) {
      let kc = cache.get(cluster);
      if (!kc) {
        kc = loadKubeConfig({ kubeconfig: config.kubeconfig, context: cluster === 'default' ? undefined : cluster });
        cache.set(cluster, kc);
      }
      return kc;
    },
    close: () => store.close(),
  };
}
