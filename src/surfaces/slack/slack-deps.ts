import type { Config } from '../../config/config.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Db } from '../../store/db.ts';
import type { AfterAck } from './after-ack.ts';

/** What Slack listeners may use: the store and a way to wake the supervisor. No cluster, no agents. */
export interface SlackDeps {
  db: Db;
  config: Config;
  logger: Logger;
  /** Tells the supervisor there is work (a new task, a decided proposal). */
  notify(): void;
  /** The kubeconfig context a task's cluster name stands for (`default` → the current one), for display. */
  clusterName(cluster: string): string;
  /** Why `cluster` cannot be used (no such kubeconfig context), or undefined when it can. */
  unknownCluster(cluster: string): string | undefined;
  /** Where listeners put their work once Slack has its acknowledgement. */
  afterAck: AfterAck;
}
