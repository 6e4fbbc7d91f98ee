import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@supergraph/kernel';
import { fileSink, StackHandle, startStack } from '@supergraph/stack';
import { freshStore, FreshStore } from './stores';
import { redisNamespace } from './redis';

/** Where end-to-end tests leave their artifacts (process logs, screenshots); git-ignored. */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts');

/** Contexts the polyglot profile puts on a server database, and which one. */
const SERVER_STORES = { ticket: 'postgresql', payment: 'postgresql', booking: 'mysql' } as const;

/** A stack started by `startPolyglotStack`. */
export interface PolyglotStack {
  /** Every subgraph and the router. */
  readonly stack: StackHandle;
  /** The router's GraphQL endpoint. */
  readonly url: string;
  /** The fresh databases, by context (ticket, payment, booking, and notification when asked). */
  readonly stores: Readonly<Record<string, FreshStore>>;
  /** Where the SQLite contexts keep their files. */
  readonly dataDir: string;
  /** The stream-name prefix of this stack (`EVENTS_NAMESPACE`). */
  readonly namespace: string;
  /** Starts more processes of `services` with the same environment (another replica), on free ports; stopped by `stop()`. */
  replica(services: string[]): Promise<StackHandle>;
  /** Stops every process, then drops the databases, the streams and the data folder. */
  stop(): Promise<void>;
}

/**
 * Every subgraph and the router as real processes on the polyglot profile (`STORES=polyglot`):
 * ticket and payment on fresh PostgreSQL databases, booking on a fresh MariaDB database,
 * notification and mypage on SQLite in a fresh folder — or notification on PostgreSQL too with
 * `options.serverStores: ['notification']` (needed to run it as several replicas) — free ports,
 * a stream namespace of its own, each process's output in `artifacts/e2e-<label>-<time>.log`.
 */
export async function startPolyglotStack(label: string, options: { serverStores?: 'notification'[] } = {}): Promise<PolyglotStack> {
  const kinds: Record<string, 'postgresql' | 'mysql'> = { ...SERVER_STORES };
  for (const context of options.serverStores ?? []) kinds[context] = 'postgresql';
  const stores: Record<string, FreshStore> = {};
  for (const [context, kind] of Object.entries(kinds)) stores[context] = await freshStore(kind, `e2e_${label}_${context}`);
  const ns = redisNamespace();
  const dataDir = mkdtempSync(join(tmpdir(), `e2e-${label}-`));
  const logs = fileSink(join(ARTIFACTS_DIR, `e2e-${label}-${Date.now()}.log`));
  const env: Record<string, string> = { STORES: 'polyglot', DATA_DIR: dataDir, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'warn' };
  for (const [context, store] of Object.entries(stores)) env[`${context.toUpperCase()}_DB_URL`] = store.url;
  const start = (services?: string[]) => startStack({ env, services, freePorts: true, startRedis: false, restart: false, log: logs.sink });
  const stacks: StackHandle[] = [];
  const stop = async () => {
    await Promise.all(stacks.map((s) => s.stopAll()));
    await ns.clear();
    await Promise.all(Object.values(stores).map((store) => store.drop()));
    rmSync(dataDir, { recursive: true, force: true });
    logs.close();
  };
  try {
    const stack = await start();
    stacks.push(stack);
    return {
      stack,
      url: stack.routerUrl,
      stores,
      dataDir,
      namespace: ns.namespace,
      replica: async (services) => {
        const replica = await start(services);
        stacks.push(replica);
        return replica;
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
