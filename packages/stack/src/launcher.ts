import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { REPO_ROOT, ServiceEntry } from '@supergraph/kernel';
import { applyOverrides, connectHost, EnvOverrides, listenHost, resolvePorts, selectServices, serviceEnv } from './env';
import { StackError } from './errors';
import { LogSink, prefixedSink } from './log-lines';
import { canListen, freePort } from './net';
import { DEFAULT_REDIS_URL, ensureRedis } from './private-redis';
import { ServiceProcess } from './service-process';

/** How `startStack` runs the stack. Every field is optional: the defaults are what `npm start` does. */
export interface StackOptions {
  /** Services to start, by catalog name (`ticket`, …, `router`); default every subgraph, then the router. */
  services?: readonly string[];
  /**
   * Variables set for every service on top of the inherited environment (`undefined` removes one):
   * `STORES`, `<NAME>_DB_URL`, `<NAME>_PORT`, `EVENTS_NAMESPACE`, `REDIS_URL`, `DATA_DIR`, `LOG_LEVEL`, …
   */
  env?: EnvOverrides;
  /** The inherited environment (default `process.env`). */
  baseEnv?: NodeJS.ProcessEnv;
  /** Give every service without an explicit `<NAME>_PORT` a free port instead of its default (tests). */
  freePorts?: boolean;
  /** Where every output line goes (default: `service | line` on stdout). */
  log?: LogSink;
  /** Start a private redis-server when nothing answers at `REDIS_URL` (default true). */
  startRedis?: boolean;
  /** How long all services together may take to become ready, ms (default 60 s). */
  readyTimeoutMs?: number;
  /** How long one service may take to stop after SIGTERM before SIGKILL, ms (default 15 s). */
  stopTimeoutMs?: number;
  /** Restart a crashed service with backoff (default true). */
  restart?: boolean;
  /** Aborting it while the stack starts stops everything and rejects. */
  signal?: AbortSignal;
}

/** A running stack. URLs use the address the services listen on (127.0.0.1 by default). */
export interface StackHandle {
  /** The router's GraphQL endpoint, `http://127.0.0.1:<ROUTER_PORT>/graphql`. */
  readonly routerUrl: string;
  /** The Redis every service uses (a private one's URL if the stack started it). */
  readonly redisUrl: string;
  /** The redis-server the stack started itself (stopped by `stopAll`), if it did. */
  readonly privateRedis?: { readonly pid: number; readonly dir: string };
  /** The environment the service processes get (inherited + overrides + ports + REDIS_URL). */
  readonly env: Readonly<Record<string, string>>;
  /** The port of every service of the catalog, started or not. */
  readonly ports: Readonly<Record<string, number>>;
  /** Names of the services started by `startStack`, in catalog order (the subgraphs, then the router). */
  readonly services: readonly string[];
  /** A service's GraphQL endpoint (`http://127.0.0.1:<port>/graphql`). */
  url(service: string): string;
  /** A service's health URL for `kind` `ready` (default) or `live`. */
  healthUrl(service: string, kind?: 'ready' | 'live'): string;
  /** A service's Prometheus endpoint (`http://127.0.0.1:<port>/metrics`). */
  metricsUrl(service: string): string;
  /** The pid of a service's current process (undefined while it is stopped). */
  pid(service: string): number | undefined;
  /** The last lines (at most 40) a service printed. */
  logs(service: string): string[];
  /** Stops one service (SIGTERM, bounded wait, SIGKILL); it is not restarted until `start`. */
  stop(service: string): Promise<void>;
  /** Starts one service of the catalog (again) and resolves once it is ready. */
  start(service: string, options?: { readyTimeoutMs?: number }): Promise<void>;
  /** Stops every service (router first), then the private Redis. Safe to call more than once. */
  stopAll(): Promise<void>;
}

/** The entry script of a service: `<repo>/<workspace>/dist/main.js`. */
export function entryScript(service: ServiceEntry): string {
  return join(REPO_ROOT, service.workspace, 'dist', 'main.js');
}

/**
 * Starts Redis if needed (see `ensureRedis`), then every selected service as its own process
 * (`node <workspace>/dist/main.js`), all at once: none waits for another to start, and resolves
 * once every one answers `GET /health/ready` with 200. On any failure (not built, port taken, Redis missing,
 * a service not ready in time) it stops whatever it started and rejects with a `StackError`
 * naming the cause. Processes are killed if this process exits without `stopAll()`, and stop
 * themselves if it dies.
 */
export async function startStack(options: StackOptions = {}): Promise<StackHandle> {
  const selected = selectServices(options.services);
  const sink = options.log ?? prefixedSink();
  const stackNote = (service: string, text: string) => sink({ service, stream: 'stack', text });
  const baseEnv = applyOverrides(options.baseEnv ?? process.env, options.env);
  const stores = baseEnv.STORES ?? 'sqlite';
  if (stores !== 'sqlite' && stores !== 'polyglot') throw new StackError(`STORES must be sqlite or polyglot, got "${stores}"`);

  const missing = selected.filter((service) => !existsSync(entryScript(service)));
  if (missing.length > 0) {
    throw new StackError(`not built: ${missing.map((s) => relative(REPO_ROOT, entryScript(s))).join(', ')} (run npm run build)`);
  }

  const host = connectHost(baseEnv);
  const ports = await resolvePorts(baseEnv, options.freePorts ? () => freePort(listenHost(baseEnv)) : undefined);
  for (const service of selected) {
    if (!(await canListen(ports[service.name], listenHost(baseEnv)))) {
      throw new StackError(
        `port ${ports[service.name]} of ${service.name} is already in use (is the stack already running?): stop that process or set ${service.name.toUpperCase()}_PORT`,
      );
    }
  }

  const dataDir = resolve(REPO_ROOT, baseEnv.DATA_DIR ?? '.data');
  const redis = await ensureRedis({
    url: baseEnv.REDIS_URL || DEFAULT_REDIS_URL,
    dir: join(dataDir, 'redis'),
    start: options.startRedis,
    env: baseEnv,
    note: (text) => stackNote('redis', text),
  });
  const env = Object.freeze(serviceEnv(baseEnv, { redisUrl: redis.url, ports }));

  const url = (name: string) => `http://${host}:${ports[known(name).name]}/graphql`;
  const healthUrl = (name: string, kind: 'ready' | 'live' = 'ready') => `http://${host}:${ports[known(name).name]}/health/${kind}`;
  const metricsUrl = (name: string) => `http://${host}:${ports[known(name).name]}/metrics`;
  const processes = new Map<string, ServiceProcess>();
  const processOf = (name: string) => {
    const service = known(name);
    let existing = processes.get(service.name);
    if (!existing) {
      existing = new ServiceProcess({
        name: service.name,
        entry: entryScript(service),
        cwd: REPO_ROOT,
        env,
        healthUrl: healthUrl(service.name),
        sink,
        restart: options.restart,
        stopTimeoutMs: options.stopTimeoutMs,
      });
      processes.set(service.name, existing);
    }
    return existing;
  };

  let stopping: Promise<void> | undefined;
  const stopAll = () =>
    (stopping ??= (async () => {
      const all = [...processes.values()];
      const router = all.filter((p) => p.name === 'router');
      await Promise.all(router.map((p) => p.stop()));
      await Promise.all(all.filter((p) => p.name !== 'router').map((p) => p.stop()));
      await redis.private?.stop();
    })());

  const readyTimeoutMs = options.readyTimeoutMs ?? 60_000;
  try {
    for (const service of selected) processOf(service.name).start();
    const deadline = Date.now() + readyTimeoutMs;
    const results = await Promise.allSettled(selected.map((service) => processOf(service.name).waitReady(deadline, options.signal)));
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [(result.reason as Error).message] : []));
    if (failures.length > 0) throw new StackError(failures.join('\n'));
  } catch (error) {
    await stopAll();
    throw error;
  }

  return {
    routerUrl: url('router'),
    redisUrl: redis.url,
    privateRedis: redis.private && { pid: redis.private.pid, dir: redis.private.dir },
    env,
    ports: Object.freeze({ ...ports }),
    services: selected.map((service) => service.name),
    url,
    healthUrl,
    metricsUrl,
    pid: (name) => processes.get(known(name).name)?.pid,
    logs: (name) => processes.get(known(name).name)?.recentLines() ?? [],
    stop: async (name) => {
      await processes.get(known(name).name)?.stop();
    },
    start: async (name, startOptions = {}) => {
      if (stopping) throw new StackError(`cannot start ${name}: the stack is stopping`);
      const service = processOf(name);
      service.start();
      await service.waitReady(Date.now() + (startOptions.readyTimeoutMs ?? readyTimeoutMs));
    },
    stopAll,
  };
}

/** The catalog entry of `name`; throws `StackError` for an unknown service. */
function known(name: string): ServiceEntry {
  return selectServices([name])[0];
}
