import type { AddressInfo } from 'node:net';
import { createServer, Server } from 'node:http';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import { buildSubgraphSchema } from '@apollo/subgraph';
import type { EntityManager, EntitySchema, MikroORM } from '@mikro-orm/core';
import express from 'express';
import type { DocumentNode } from 'graphql';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { z } from 'zod';
import { Caller } from './auth/identity';
import { CALLER_HEADER, InternalCredentials } from './auth/internal-credential';
import { callerOf, requireInternalCredential } from './auth/subgraph-auth';
import { servicePort, storeUrl, subgraph } from './catalog';
import { ContextConfig, contextConfigShape, exitOnConfigError, parseConfig } from './config';
import { EventMeta } from './events/envelope';
import { Housekeeping } from './events/housekeeping';
import { OutboxRelay } from './events/outbox-relay';
import { StreamConsumer, StreamConsumerOptions } from './events/stream-consumer';
import { UnitOfWork } from './events/unit-of-work';
import { createErrorFormatter } from './graphql/errors';
import { LiveFeed, LiveFeedOptions } from './live/live-feed';
import { createLogger } from './logger';
import { createServiceMetrics, mountMetrics, ServiceMetrics } from './metrics/service-metrics';
import { createRedis, eventStream } from './redis';
import { CORRELATION_ID_HEADER, correlationIdFrom } from './server/correlation';
import { GraphqlWsServer, serveGraphqlWs } from './server/graphql-ws';
import { refuseUnanswerableRequests } from './server/drain';
import { refuseNulCharacters } from './server/nul-guard';
import { mountHealth } from './server/health';
import { httpErrorHandler } from './server/http-errors';
import { openStore, storeReachable } from './store/orm';
import { operationSpanPlugin, serverSpanMiddleware } from './tracing/http';
import { startTracing, Tracing } from './tracing/tracing';

/**
 * Everything a bounded context runs on, opened once at start: validated config, logger, its own
 * store (driver chosen by URL), a Redis connection, its unit of work (outbox), outbox relay and
 * housekeeping (retention of outbox, inbox and its stream).
 */
export interface ContextRuntime<C extends object = object> {
  readonly name: string;
  readonly config: Readonly<ContextConfig & C & { port: number; storeUrl: string }>;
  readonly logger: Logger;
  readonly orm: MikroORM;
  readonly redis: Redis;
  readonly uow: UnitOfWork;
  readonly relay: OutboxRelay;
  /** OpenTelemetry tracing of this process (`startTracing`: on only with `OTEL_EXPORTER_OTLP_ENDPOINT`); shut down by `serveSubgraph`'s stop. */
  readonly tracing: Tracing;
  /**
   * Periodic cleanup of this context's published outbox rows, inbox rows and own stream, with the
   * retentions of the config (`OUTBOX_RETENTION_MS`, `INBOX_RETENTION_MS`, `STREAM_RETENTION_MS`,
   * every `HOUSEKEEPING_INTERVAL_MS`); started and stopped by `serveSubgraph`.
   */
  readonly housekeeping: Housekeeping;
  /** This context's Prometheus metrics (`GET /metrics`, mounted by `serveSubgraph`); pass it to sync clients as `metrics`. */
  readonly metrics: ServiceMetrics;
  /**
   * Internal credentials (`ROUTER_CREDENTIAL_SECRET`, `SERVICE_CREDENTIAL_SECRET`): `serveSubgraph`
   * verifies every request's with it; sync clients sign their calls with `forService(name)`.
   */
  readonly credentials: InternalCredentials;
  /** `eventStream(namespace, context)` for any context (to subscribe to it). */
  stream(context: string): string;
}

/**
 * What every resolver gets: a fresh EntityManager fork and the request's correlation id. Over HTTP
 * one per request; over WebSocket one per operation, built when it starts, so a subscription keeps
 * its context (and its `em`) as long as it runs: subscription resolvers fork `em` per read
 * (`em.fork()`), or its identity map would grow with every item.
 */
export interface RequestContext {
  em: EntityManager;
  /**
   * From the `x-correlation-id` header (over WebSocket: the `x-correlation-id` entry of the
   * connection params) when acceptable (`correlationIdFrom`), else new; goes into the events the
   * request raises.
   */
  correlationId: string;
  /** Meta for events raised by this request's command. */
  meta: EventMeta;
  /**
   * Over WebSocket only: the payload of the client's `connection_init` message (empty when it sent
   * none or not an object). The router forwards its client's payload here, so per-connection facts
   * such as the caller's identity arrive in it. Undefined over HTTP.
   */
  connectionParams?: Record<string, unknown>;
  /**
   * Who is calling, as the internal credential proved (`x-supergraph-caller`; over WebSocket, the
   * entry of that name in `connection_init`, verified when the socket connected): the router with
   * the client's verified identity (or an anonymous client), or another context. The application
   * layer authorizes with it (`requireUser`, `actingFor`, `requireOwner`, `requireService`).
   */
  caller: Caller;
}

/**
 * The configuration context `name` starts with: the base and context variables plus its own
 * `configShape`, its port (`<NAME>_PORT`) and store URL (`<NAME>_DB_URL`, `STORES`), frozen. A bad
 * one exits with status 1 after one line naming it, as `loadConfig` does.
 */
export function contextConfig<S extends z.ZodRawShape>(name: string, env: NodeJS.ProcessEnv, configShape?: S) {
  const entry = subgraph(name);
  return exitOnConfigError(() => Object.freeze({ ...parseConfig({ ...contextConfigShape, ...configShape }, env), port: servicePort(entry, env), storeUrl: storeUrl(entry, env) }));
}

/**
 * Opens a context: config (`contextConfig`), store at `storeUrl` of the catalog entry (schema
 * updated by MikroORM), Redis, unit of work, relay and housekeeping.
 */
export async function openContext<S extends z.ZodRawShape>(
  name: string,
  options: { entities: EntitySchema<any, any>[]; configShape?: S; env?: NodeJS.ProcessEnv },
): Promise<ContextRuntime<z.infer<z.ZodObject<S>>>> {
  const env = options.env ?? process.env;
  const config = contextConfig(name, env, options.configShape);
  const logger = createLogger(name, config.LOG_LEVEL);
  const tracing = startTracing(name, env);
  const orm = await openStore({ context: name, url: config.storeUrl, entities: options.entities });
  const redis = createRedis(config.REDIS_URL, { name, logger: logger.child({ component: 'redis' }) });
  const metrics = createServiceMetrics(name);
  const relay = new OutboxRelay(orm, redis, logger.child({ component: 'outbox-relay' }), { metrics });
  const uow = new UnitOfWork(name, eventStream(config.EVENTS_NAMESPACE, name), relay);
  const housekeeping = new Housekeeping(orm, redis, logger.child({ component: 'housekeeping' }), {
    streams: [uow.stream],
    outboxRetentionMs: config.OUTBOX_RETENTION_MS,
    inboxRetentionMs: config.INBOX_RETENTION_MS,
    streamRetentionMs: config.STREAM_RETENTION_MS,
    intervalMs: config.HOUSEKEEPING_INTERVAL_MS,
  });
  return {
    name,
    config: config as ContextRuntime<z.infer<z.ZodObject<S>>>['config'],
    logger,
    orm,
    redis,
    uow,
    relay,
    tracing,
    housekeeping,
    metrics,
    credentials: new InternalCredentials({ routerSecret: config.ROUTER_CREDENTIAL_SECRET, serviceSecret: config.SERVICE_CREDENTIAL_SECRET }),
    stream: (context) => eventStream(config.EVENTS_NAMESPACE, context),
  };
}

/**
 * A consumer group member for this context (group defaults to the context's name; the member's name
 * to `CONSUMER_NAME` of the context's env, else `<hostname>-<pid>`; claim idle time and deliveries
 * before dead-lettering from `CONSUMER_CLAIM_IDLE_MS` and `CONSUMER_MAX_DELIVERIES`).
 */
export function createConsumer(runtime: ContextRuntime, options: Omit<StreamConsumerOptions, 'group'> & { group?: string }): StreamConsumer {
  return new StreamConsumer(runtime.orm, runtime.redis, runtime.uow, runtime.logger.child({ component: 'consumer' }), {
    group: runtime.name,
    consumer: runtime.config.CONSUMER_NAME || undefined,
    claimIdleMs: runtime.config.CONSUMER_CLAIM_IDLE_MS,
    maxDeliveries: runtime.config.CONSUMER_MAX_DELIVERIES,
    metrics: runtime.metrics,
    ...options,
  });
}

/**
 * A live feed of this context's own stream (`<namespace><name>.events`) on a connection of its own,
 * logging as component `live-feed`; pass it to `serveSubgraph` in `feeds` so it runs with the
 * subgraph, and to the subscription resolvers (through the request context) to listen to it.
 */
export function createLiveFeed<P extends object>(runtime: ContextRuntime, options: Omit<LiveFeedOptions<P>, 'stream'>): LiveFeed<P> {
  return new LiveFeed<P>(runtime.redis, runtime.logger.child({ component: 'live-feed' }), { ...options, stream: runtime.uow.stream });
}

/** A started service; `stop()` drains and closes everything it opened. */
export interface RunningService {
  readonly url: string;
  readonly port: number;
  stop(): Promise<void>;
}

/** How a context serves its subgraph. */
export interface ServeOptions<Ctx extends RequestContext> {
  typeDefs: DocumentNode;
  /** Resolver map (typed by codegen in each context). */
  resolvers: object;
  /** Adds per-request members (DataLoaders, handlers, live feeds) to the base request context (HTTP and WebSocket alike). */
  context?: (base: RequestContext) => Ctx;
  consumers?: StreamConsumer[];
  /**
   * Process-wide live feeds the subscription resolvers listen to (`createLiveFeed`): started with the
   * subgraph, before it listens; stopped after the WebSocket endpoint closed its sockets.
   */
  feeds?: LiveFeed<any>[];
  /** Port override (tests pass 0 for a free port). */
  port?: number;
  /** Closes what the context opened itself (sync clients). */
  onStop?: () => void | Promise<void>;
  /** Stop on SIGTERM/SIGINT and exit (default true; tests pass false). */
  handleSignals?: boolean;
  /**
   * On stop, how long `/health/ready` answers 503 while requests are still served, before the
   * listener closes, in ms [`SHUTDOWN_DELAY_MS` of the config, default 0]. Lets load balancers
   * stop routing here first (e.g. the endpoint propagation delay of Kubernetes); with 0 the
   * listener closes at once.
   */
  drainDelayMs?: number;
}

/**
 * How long, in ms, stopping waits for in-flight HTTP requests before closing their connections
 * (`ApolloServerPluginDrainHttpServer`'s `stopGracePeriodMillis`). Half of `STOP_GRACE_MS`, so
 * the consumers and the outbox relay still get time to drain before a forced exit.
 */
export const HTTP_STOP_GRACE_MS = 5_000;

/**
 * How long, in ms, stopping waits for WebSocket clients to answer the close frame (1001) before
 * cutting their sockets; short, so it does not eat into the HTTP drain and the consumers' time.
 */
export const WS_CLOSE_GRACE_MS = 1_000;

/** How long, in ms, `stopOnSignals` lets a stop take (after any drain delay) before forcing exit 1. */
export const STOP_GRACE_MS = 10_000;

/**
 * Serves a context as an Apollo Federation 2 subgraph on its own port: POST/GET `/graphql` (only
 * with a valid internal credential, `requireInternalCredential`: else 401 `UNAUTHENTICATED`),
 * `/health/live`, `/health/ready` (store and Redis reachable; 503 while draining), `/metrics`
 * (Prometheus text, `runtime.metrics`: GraphQL operations, outbox, consumers, live feeds); a malformed or
 * oversized (> 1 MB) body gets a GraphQL-shaped `BAD_REQUEST` (`httpErrorHandler`). When the schema
 * has a Subscription type, WebSocket on `/graphql` too (graphql-ws protocol `graphql-transport-ws`,
 * `serveGraphqlWs`; context as over HTTP, plus `connectionParams`; errors shaped alike). Starts the
 * live feeds, the outbox relay, the housekeeping and the consumers. Stop order (SIGTERM): readiness 503 (for
 * `drainDelayMs`), close WebSocket sockets with 1001 (ending their subscriptions; at most
 * `WS_CLOSE_GRACE_MS` for the close handshakes), stop accepting and finish in-flight requests (at
 * most `HTTP_STOP_GRACE_MS`), stop the live feeds, stop consumers after their current event, stop
 * the housekeeping after its current batch, publish what is left, close.
 */
export async function serveSubgraph<Ctx extends RequestContext>(runtime: ContextRuntime, options: ServeOptions<Ctx>): Promise<RunningService> {
  const { logger, orm, redis } = runtime;
  const app = express();
  const httpServer: Server = createServer(app);
  let draining = false;
  app.use(refuseUnanswerableRequests(() => draining));
  mountHealth(app, { store: () => storeReachable(orm), redis: async () => (await redis.ping()) === 'PONG' }, () => draining);
  mountMetrics(app, runtime.metrics);
  runtime.metrics.watchOutbox(orm);
  runtime.metrics.watchConsumerGroups(redis, options.consumers ?? []);
  runtime.metrics.watchLive('feed', () => (options.feeds ?? []).reduce((sum, feed) => sum + feed.listenerCount(), 0));

  const schema = buildSubgraphSchema({ typeDefs: options.typeDefs, resolvers: options.resolvers as never });
  const formatError = createErrorFormatter(logger);
  const contextOf = (caller: Caller, correlationHeader: unknown, connectionParams?: Record<string, unknown>): Ctx => {
    const correlationId = correlationIdFrom(typeof correlationHeader === 'string' ? correlationHeader : undefined);
    const base: RequestContext = { em: orm.em.fork(), correlationId, meta: { correlationId, causationId: null }, caller };
    if (connectionParams) base.connectionParams = connectionParams;
    return options.context ? options.context(base) : (base as Ctx);
  };
  const apollo = new ApolloServer<Ctx>({
    schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: HTTP_STOP_GRACE_MS }), ApolloServerPluginInlineTraceDisabled(), operationSpanPlugin, runtime.metrics.graphqlPlugin()],
  });
  await apollo.start();
  app.use(
    '/graphql',
    requireInternalCredential(runtime.credentials),
    express.json({ limit: '1mb' }),
    refuseNulCharacters(),
    serverSpanMiddleware(runtime.name),
    expressMiddleware(apollo, { context: async ({ req, res }) => contextOf(callerOf(res), req.headers[CORRELATION_ID_HEADER]) }),
  );
  app.use(httpErrorHandler(logger));
  const ws: GraphqlWsServer | undefined = schema.getSubscriptionType()
    ? serveGraphqlWs(httpServer, {
        schema,
        path: '/graphql',
        formatError,
        closeGraceMs: WS_CLOSE_GRACE_MS,
        authenticate: (connectionParams) => runtime.credentials.verify(stringEntry(connectionParams, CALLER_HEADER)),
        context: (connectionParams, caller) => contextOf(caller as Caller, connectionParams[CORRELATION_ID_HEADER], connectionParams),
      })
    : undefined;
  for (const feed of options.feeds ?? []) feed.start();

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? runtime.config.port, runtime.config.SERVICE_HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  runtime.relay.start();
  runtime.housekeeping.start();
  for (const consumer of options.consumers ?? []) consumer.start();
  const url = `http://${runtime.config.SERVICE_HOST}:${port}/graphql`;
  logger.info({ url }, `${runtime.name} subgraph ready`);

  const drainDelayMs = options.drainDelayMs ?? runtime.config.SHUTDOWN_DELAY_MS;
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      if (drainDelayMs) await new Promise((resolve) => setTimeout(resolve, drainDelayMs));
      await ws?.dispose();
      await apollo.stop();
      await Promise.all((options.feeds ?? []).map((feed) => feed.stop()));
      await Promise.all((options.consumers ?? []).map((c) => c.stop()));
      await runtime.housekeeping.stop();
      await runtime.relay.stop();
      await runtime.relay.drainOnce().catch(() => 0);
      await options.onStop?.();
      await orm.close();
      redis.disconnect();
      await runtime.tracing.shutdown();
      logger.info(`${runtime.name} stopped`);
    })());

  if (options.handleSignals ?? true) stopOnSignals(stop, logger, drainDelayMs + STOP_GRACE_MS);
  return { url, port, stop };
}

/** `record[key]` when it is a string (a graphql-ws `connection_init` entry, a header), else undefined. */
export function stringEntry(record: Record<string, unknown>, key: string): string | undefined {
  const value = record[key];
  return typeof value === 'string' ? value : undefined;
}

/**
 * On SIGTERM/SIGINT runs `stop` once and exits 0 (1 if it failed or took over `graceMs`, default
 * `STOP_GRACE_MS`; pass the drain delay on top when `stop` waits one first).
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, graceMs = STOP_GRACE_MS): void {
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    const force = setTimeout(() => process.exit(1), graceMs);
    force.unref();
    stop().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
}
