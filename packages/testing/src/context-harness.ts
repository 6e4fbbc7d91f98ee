import Redis from 'ioredis';
import { DomainEvent, envelope, EventEnvelope, EventMeta, eventStream, newId, RunningService, StoreKind } from '@supergraph/kernel';
import { readEnvelopes, redisNamespace, RedisNamespace, REDIS_URL } from './redis';
import { freshStore, FreshStore } from './stores';

/** A context's entry point as its `src/main.ts` exports it (CONVENTIONS.md). */
export type ContextMain = (env: NodeJS.ProcessEnv, options: { port?: number; handleSignals?: boolean }) => Promise<RunningService>;

/** What `contextHarness` runs: one context on one store kind. */
export interface ContextHarnessOptions {
  /** The context's name in the catalog (`payment`): its variable `<NAME>_DB_URL` and the store's label. */
  context: string;
  /** The store the context runs on in this test (its polyglot kind, or `sqlite`). */
  kind: StoreKind;
  /** The context's `main`. */
  main: ContextMain;
  /**
   * More variables for `main` (`PAYMENT_LIMIT_KRW`), set after the harness's own; a function is
   * called at every `start()`, for values known only then (`PAYMENT_URL` of another harness).
   */
  env?: NodeJS.ProcessEnv | (() => NodeJS.ProcessEnv);
  /** Label of the fresh store (`freshStore`) [`context`]. */
  label?: string;
  /**
   * The events namespace of another harness, for contexts that talk to each other; its owner
   * clears it. Default: a namespace of its own, cleared by `dispose()`.
   */
  namespace?: RedisNamespace;
}

/**
 * One context under integration test: a fresh store, a private events namespace, the real service
 * and a Redis client to read and write its streams. `start()` in `beforeAll`, `dispose()` in
 * `afterAll`; `stop()` and `start()` again to test a restart on the same store and streams.
 */
export interface ContextHarness {
  /** The events namespace (`EVENTS_NAMESPACE`) the service runs in. */
  readonly ns: RedisNamespace;
  /** The store, created by the first `start()`; throws before. */
  readonly store: FreshStore;
  /** The running service; throws while it is not running. */
  readonly service: RunningService;
  /** The running service's GraphQL URL; throws while it is not running. */
  readonly url: string;
  /** A client of the tests' Redis (`REDIS_URL`), connected on first use and disconnected by `dispose()`. */
  readonly redis: Redis;
  /** The stream `producer` publishes to in this namespace: `<ns>producer.events`. */
  stream(producer: string): string;
  /** XADDs `event` on the stream of `producer` exactly as the outbox relay does (`xaddAsRelay`); returns it. */
  publish(producer: string, event: EventEnvelope): Promise<EventEnvelope>;
  /**
   * Wraps `event` into an envelope of `producer` (by default a new flow: fresh correlation id, no
   * cause) and publishes it as `publish` does; returns the envelope.
   */
  publishEvent(producer: string, event: DomainEvent<object>, meta?: EventMeta): Promise<EventEnvelope>;
  /** The envelopes on the stream of `producer`, oldest first, optionally only those of `type`. */
  envelopes(producer: string, type?: string): Promise<EventEnvelope<any>[]>;
  /**
   * Starts the service through `main(env, { port, handleSignals: false })` with `<NAME>_DB_URL`,
   * `EVENTS_NAMESPACE`, `LOG_LEVEL=silent` and `options.env` over `process.env`; creates the store
   * on the first call. `port` 0 (default) takes a free one. Throws when it is already running.
   */
  start(port?: number): Promise<RunningService>;
  /** Stops the service (drains and closes what it opened); the store and the streams stay. No-op when stopped. */
  stop(): Promise<void>;
  /** Stops the service, disconnects the client, clears its own namespace and drops the store. */
  dispose(): Promise<void>;
}

/**
 * XADDs `event` on `stream` the way the kernel's outbox relay publishes (fields `type`,
 * `envelope` as JSON), so consumers see it as another context's event; returns the entry id.
 */
export async function xaddAsRelay(redis: Redis, stream: string, event: EventEnvelope): Promise<string> {
  return (await redis.xadd(stream, '*', 'type', event.type, 'envelope', JSON.stringify(event)))!;
}

/**
 * A harness for integration tests of one context (see `ContextHarness`), e.g.
 * `contextHarness({ context: 'payment', kind: 'postgresql', main, env: { PAYMENT_LIMIT_KRW: '5000000' } })`.
 * Creates nothing until `start()`.
 */
export function contextHarness(options: ContextHarnessOptions): ContextHarness {
  const ns = options.namespace ?? redisNamespace();
  const ownsNamespace = !options.namespace;
  let store: FreshStore | undefined;
  let service: RunningService | undefined;
  let client: Redis | undefined;

  const harness: ContextHarness = {
    ns,
    get store() {
      if (!store) throw new Error(`${options.context}: no store before start()`);
      return store;
    },
    get service() {
      if (!service) throw new Error(`${options.context} is not running`);
      return service;
    },
    get url() {
      return harness.service.url;
    },
    get redis() {
      return (client ??= new Redis(REDIS_URL));
    },
    stream: (producer) => eventStream(ns.namespace, producer),
    publish: async (producer, event) => {
      await xaddAsRelay(harness.redis, harness.stream(producer), event);
      return event;
    },
    publishEvent: (producer, event, meta = { correlationId: newId(), causationId: null }) => harness.publish(producer, envelope(event as DomainEvent, producer, meta)),
    envelopes: (producer, type) => readEnvelopes(harness.redis, harness.stream(producer), type),
    start: async (port = 0) => {
      if (service) throw new Error(`${options.context} is already running`);
      store ??= await freshStore(options.kind, options.label ?? options.context);
      const extra = typeof options.env === 'function' ? options.env() : options.env;
      const env = { ...process.env, [`${options.context.toUpperCase()}_DB_URL`]: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent', ...extra };
      service = await options.main(env, { port, handleSignals: false });
      return service;
    },
    stop: async () => {
      const running = service;
      service = undefined;
      await running?.stop();
    },
    dispose: async () => {
      await harness.stop();
      client?.disconnect();
      if (ownsNamespace) await ns.clear();
      await store?.drop();
    },
  };
  return harness;
}
