import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEV_JWT_SECRET, DEV_ROUTER_CREDENTIAL_SECRET, DEV_SERVICE_CREDENTIAL_SECRET, REPO_ROOT, StoreKind } from '@supergraph/kernel';
import { fileSink, StackHandle, startStack } from '@supergraph/stack';
import { freshStore, FreshStore } from './stores';
import { redisNamespace, REDIS_URL } from './redis';

/** Where end-to-end tests leave their artifacts (process logs, screenshots); git-ignored. */
export const ARTIFACTS_DIR = join(REPO_ROOT, 'artifacts');

/** Contexts the polyglot profile puts on a server database, and which one. */
const SERVER_STORES = { ticket: 'postgresql', payment: 'postgresql', booking: 'mysql' } as const;

/** How a test wants its stack; defaults in brackets. */
export interface PolyglotStackOptions {
  /** Services to start [every subgraph and the router]. */
  services?: string[];
  /** Contexts moved from SQLite to PostgreSQL, to run several replicas of them [none]. */
  serverStores?: ('notification' | 'mypage')[];
  /** The stack's Redis [the tests' `REDIS_URL`]; streams are cleared at stop only on that one. */
  redisUrl?: string;
  /** Variables on top of the profile's (consumer tuning, …). */
  env?: Record<string, string>;
  /** Prefix of the log file's name [`e2e`]. */
  logPrefix?: string;
}

/** A stack started by `startPolyglotStack`. */
export interface PolyglotStack {
  /** Every subgraph and the router (or the services asked for). */
  readonly stack: StackHandle;
  /** The router's GraphQL endpoint (when the router was started). */
  readonly url: string;
  /** The fresh databases, by context (ticket, payment, booking, and those moved to PostgreSQL). */
  readonly stores: Readonly<Record<string, FreshStore>>;
  /** Where the SQLite contexts keep their files. */
  readonly dataDir: string;
  /** The stream-name prefix of this stack (`EVENTS_NAMESPACE`). */
  readonly namespace: string;
  readonly redisUrl: string;
  /** Kind and URL (or SQLite path) of a context's store. */
  store(context: string): { kind: StoreKind; url: string };
  /** `<namespace><producer>.events`. */
  stream(producer: string): string;
  /** Starts more processes of `services` with the same environment (another replica), on free ports; stopped by `stop()`. */
  replica(services: string[]): Promise<StackHandle>;
  /** Stops every process, then drops the databases, the streams and the data folder. */
  stop(): Promise<void>;
}

/** The keys of a test stack: the development ones the test helpers sign with (packages/testing/src/auth.ts). */
const DEV_KEYS = { JWT_SECRET: DEV_JWT_SECRET, ROUTER_CREDENTIAL_SECRET: DEV_ROUTER_CREDENTIAL_SECRET, SERVICE_CREDENTIAL_SECRET: DEV_SERVICE_CREDENTIAL_SECRET };

/**
 * Real processes on the polyglot profile (`STORES=polyglot`): ticket and payment on fresh
 * PostgreSQL databases, booking on a fresh MariaDB database, notification and mypage on SQLite in
 * a fresh folder (or on PostgreSQL too, `options.serverStores`), free ports, a stream namespace of
 * its own, no automatic restart (tests stop and start processes themselves), each process's output
 * in `artifacts/<logPrefix>-<label>-<time>.log`. Its keys are the development ones whatever the
 * environment holds (`DEV_KEYS`), since `bearer`, `asRouter` and `asService` sign with them.
 */
export async function startPolyglotStack(label: string, options: PolyglotStackOptions = {}): Promise<PolyglotStack> {
  const kinds: Record<string, 'postgresql' | 'mysql'> = { ...SERVER_STORES };
  for (const context of options.serverStores ?? []) kinds[context] = 'postgresql';
  const stores: Record<string, FreshStore> = {};
  const ns = redisNamespace();
  const redisUrl = options.redisUrl ?? REDIS_URL;
  const dataDir = mkdtempSync(join(tmpdir(), `${options.logPrefix ?? 'e2e'}-${label}-`));
  const logs = fileSink(join(ARTIFACTS_DIR, `${options.logPrefix ?? 'e2e'}-${label}-${Date.now()}.log`));
  const stacks: StackHandle[] = [];
  const stop = async () => {
    await Promise.all(stacks.map((s) => s.stopAll()));
    if (redisUrl === REDIS_URL) await ns.clear();
    await Promise.all(Object.values(stores).map((store) => store.drop()));
    rmSync(dataDir, { recursive: true, force: true });
    logs.close();
  };
  try {
    for (const [context, kind] of Object.entries(kinds)) stores[context] = await freshStore(kind, `${label}_${context}`);
    const env: Record<string, string> = { STORES: 'polyglot', DATA_DIR: dataDir, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'warn', REDIS_URL: redisUrl, ...DEV_KEYS, ...options.env };
    for (const [context, store] of Object.entries(stores)) env[`${context.toUpperCase()}_DB_URL`] = store.url;
    const start = (services?: string[]) => startStack({ env, services, freePorts: true, startRedis: false, restart: false, log: logs.sink });
    const stack = await start(options.services);
    stacks.push(stack);
    return {
      stack,
      url: stack.routerUrl,
      stores,
      dataDir,
      namespace: ns.namespace,
      redisUrl,
      store: (context) => (stores[context] ? { kind: stores[context].kind, url: stores[context].url } : { kind: 'sqlite', url: join(dataDir, `${context}.sqlite`) }),
      stream: (producer) => `${ns.namespace}${producer}.events`,
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
