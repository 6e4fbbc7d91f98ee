import type { MikroORM } from '@mikro-orm/core';
import type { ApolloServerPlugin } from '@apollo/server';
import type { Express } from 'express';
import { getOperationAST } from 'graphql';
import type { Redis } from 'ioredis';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { OutboxMessage } from '../events/outbox-message';
import { fieldsOf } from '../redis';
import type { BreakerMetrics, ConsumerMetrics, HandlerOutcome, RelayMetrics, WatchedBreaker } from './hooks';

/** Prefix of every series of ours (Node's default metrics keep their standard names). */
export const METRICS_PREFIX = 'supergraph_';

/** How long, in ms, a scrape waits for the outbox count or XINFO GROUPS before reporting that value as unknown. */
export const SCRAPE_QUERY_TIMEOUT_MS = 1000;

/** opossum events counted in `circuit_events_total` (opossum 9 `CircuitBreaker` events). */
const BREAKER_EVENTS = ['success', 'failure', 'timeout', 'reject', 'open', 'halfOpen', 'close', 'fallback', 'semaphoreLocked', 'shutdown'] as const;

/** Operation names longer than this are cut (client-chosen names go into a label). */
const MAX_OPERATION_LABEL = 100;

/**
 * One service's Prometheus metrics (prom-client), served as text on `GET /metrics`
 * (`mountMetrics`). One `Registry` per service; every series carries the label `service`
 * (the context's name, or `router`). Besides Node's default metrics (`process_*`, `nodejs_*`):
 *
 * - `supergraph_graphql_requests_total{operation,type,outcome}` counter: GraphQL operations
 *   answered over HTTP (and the router's WebSocket queries and mutations); `operation` is the
 *   operation name (`anonymous` without one, `unknown` when the document did not parse),
 *   `type` `query` | `mutation` | `subscription` | `unknown`, `outcome` `ok` or the first
 *   error's `extensions.code` (`BAD_USER_INPUT`, `INTERNAL_SERVER_ERROR`, …).
 * - `supergraph_graphql_request_duration_seconds{operation,type}` histogram: time from request
 *   start to response, in seconds.
 * - `supergraph_subgraph_fetch_duration_seconds{subgraph,outcome}` histogram (router): one fetch
 *   of a query plan from a subgraph, seconds; `outcome` `ok` or `error` (GraphQL errors, HTTP
 *   failure, timeout).
 * - `supergraph_outbox_backlog` gauge: outbox rows not yet published, counted on each scrape
 *   (NaN when the store did not answer within `SCRAPE_QUERY_TIMEOUT_MS`).
 * - `supergraph_events_published_total{stream}` counter: events the outbox relay XADDed.
 * - `supergraph_events_handled_total{stream,type,outcome}` counter: deliveries to a consumer's
 *   handler; `outcome` `ok` (applied), `duplicate` (dropped by the inbox) or `error` (rolled
 *   back; retried, then dead-lettered).
 * - `supergraph_event_handler_duration_seconds{stream,type}` histogram: one delivery (handler,
 *   inbox check and commit), seconds.
 * - `supergraph_events_dead_lettered_total{stream,group}` counter: entries moved to `<stream>.dlq`.
 * - `supergraph_consumer_lag{stream,group}` gauge: entries of the stream not yet delivered to the
 *   group (XINFO GROUPS `lag`, Redis 7+), read on each scrape; absent when Redis cannot tell
 *   (after deletions) or did not answer within `SCRAPE_QUERY_TIMEOUT_MS`.
 * - `supergraph_consumer_pending{stream,group}` gauge: entries delivered to the group and not yet
 *   acknowledged (XINFO GROUPS `pending`), read on each scrape, absent alike.
 * - `supergraph_circuit_state{name}` gauge: a sync client's breaker, 0 closed, 1 half-open, 2 open.
 * - `supergraph_circuit_events_total{name,event}` counter: the breaker's events (`success`,
 *   `failure`, `timeout`, `reject`, `open`, `halfOpen`, `close`, `fallback`, `semaphoreLocked`,
 *   `shutdown`).
 * - `supergraph_live_subscriptions{kind}` gauge, read on each scrape: router `client` (client
 *   subscriptions over WebSocket) and `upstream` (subscriptions the router holds on subgraphs,
 *   shared ones once); subgraphs `feed` (listeners registered on their live feeds).
 */
export class ServiceMetrics implements RelayMetrics, ConsumerMetrics, BreakerMetrics {
  readonly registry = new Registry();
  private readonly graphqlRequests: Counter<'operation' | 'type' | 'outcome'>;
  private readonly graphqlDuration: Histogram<'operation' | 'type'>;
  private readonly subgraphFetchDuration: Histogram<'subgraph' | 'outcome'>;
  private readonly eventsPublished: Counter<'stream'>;
  private readonly eventsHandled: Counter<'stream' | 'type' | 'outcome'>;
  private readonly handlerDuration: Histogram<'stream' | 'type'>;
  private readonly deadLetters: Counter<'stream' | 'group'>;
  private readonly circuitState: Gauge<'name'>;
  private readonly circuitEvents: Counter<'name' | 'event'>;
  private readonly liveSources = new Map<string, () => number>();
  private outboxOrm?: MikroORM;
  private groupsRedis?: Redis;
  private readonly groups: { stream: string; group: string }[] = [];

  constructor(readonly service: string) {
    const registers = [this.registry];
    this.registry.setDefaultLabels({ service });
    collectDefaultMetrics({ register: this.registry });
    const p = METRICS_PREFIX;
    this.graphqlRequests = new Counter({ name: `${p}graphql_requests_total`, help: 'GraphQL operations answered, by operation name, type and outcome (ok or error code)', labelNames: ['operation', 'type', 'outcome'], registers });
    this.graphqlDuration = new Histogram({ name: `${p}graphql_request_duration_seconds`, help: 'GraphQL operation latency in seconds, by operation name and type', labelNames: ['operation', 'type'], registers });
    this.subgraphFetchDuration = new Histogram({ name: `${p}subgraph_fetch_duration_seconds`, help: 'Router: latency of one subgraph fetch in seconds, by subgraph and outcome (ok, error)', labelNames: ['subgraph', 'outcome'], registers });
    this.eventsPublished = new Counter({ name: `${p}events_published_total`, help: 'Events the outbox relay published (XADD), by stream', labelNames: ['stream'], registers });
    this.eventsHandled = new Counter({ name: `${p}events_handled_total`, help: 'Deliveries to a consumer handler, by stream, event type and outcome (ok, duplicate, error)', labelNames: ['stream', 'type', 'outcome'], registers });
    this.handlerDuration = new Histogram({ name: `${p}event_handler_duration_seconds`, help: 'One delivery to a consumer handler (handler, inbox, commit) in seconds, by stream and event type', labelNames: ['stream', 'type'], registers });
    this.deadLetters = new Counter({ name: `${p}events_dead_lettered_total`, help: 'Entries moved to <stream>.dlq, by stream and consumer group', labelNames: ['stream', 'group'], registers });
    this.circuitState = new Gauge({ name: `${p}circuit_state`, help: 'Circuit breaker state of a sync client: 0 closed, 1 half-open, 2 open', labelNames: ['name'], registers });
    this.circuitEvents = new Counter({ name: `${p}circuit_events_total`, help: 'Circuit breaker events (success, failure, timeout, reject, open, halfOpen, close, ...), by breaker', labelNames: ['name', 'event'], registers });
    const liveSources = this.liveSources;
    new Gauge({
      name: `${p}live_subscriptions`,
      help: 'Live subscriptions: router client and upstream subscriptions, subgraph live feed listeners',
      labelNames: ['kind'],
      registers,
      collect() {
        for (const [kind, count] of liveSources) this.set({ kind }, count());
      },
    });
    const backlog = () => this.outboxBacklog();
    new Gauge({
      name: `${p}outbox_backlog`,
      help: 'Outbox rows not yet published (counted on scrape; NaN when the store did not answer in time)',
      registers,
      async collect() {
        const value = await backlog();
        if (value !== undefined) this.set(value);
      },
    });
    const groupInfo = () => this.groupInfo();
    const lag = new Gauge({ name: `${p}consumer_lag`, help: 'Entries not yet delivered to the consumer group (XINFO GROUPS lag), read on scrape', labelNames: ['stream', 'group'], registers });
    new Gauge({
      name: `${p}consumer_pending`,
      help: 'Entries delivered to the consumer group and not acknowledged (XINFO GROUPS pending), read on scrape',
      labelNames: ['stream', 'group'],
      registers,
      async collect() {
        const rows = await groupInfo();
        this.reset();
        lag.reset();
        for (const row of rows) {
          this.set({ stream: row.stream, group: row.group }, row.pending);
          if (row.lag !== null) lag.set({ stream: row.stream, group: row.group }, row.lag);
        }
      },
    });
  }

  /** An Apollo Server plugin counting and timing every operation (`graphql_requests_total`, `graphql_request_duration_seconds`). */
  graphqlPlugin(): ApolloServerPlugin<any> {
    const metrics = this;
    return {
      async requestDidStart() {
        const started = process.hrtime.bigint();
        return {
          async willSendResponse({ operation, request, response, document }) {
            const seconds = Number(process.hrtime.bigint() - started) / 1e9;
            // Before validation passed, `operation` is unset: read the operation from the parsed document.
            const op = operation ?? (document ? getOperationAST(document, request.operationName) : undefined);
            const name = document ? (op?.name?.value ?? 'anonymous').slice(0, MAX_OPERATION_LABEL) : 'unknown';
            const type = op?.operation ?? 'unknown';
            const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
            const code = errors?.[0]?.extensions?.code;
            const outcome = errors?.length ? (typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR') : 'ok';
            metrics.graphqlRequests.inc({ operation: name, type, outcome });
            metrics.graphqlDuration.observe({ operation: name, type }, seconds);
          },
        };
      },
    };
  }

  /** Router: one subgraph fetch took `seconds` and ended `outcome`. */
  subgraphFetched(subgraph: string, outcome: 'ok' | 'error', seconds: number): void {
    this.subgraphFetchDuration.observe({ subgraph, outcome }, seconds);
  }

  published(stream: string, count: number): void {
    this.eventsPublished.inc({ stream }, count);
  }

  handled(stream: string, type: string, outcome: HandlerOutcome, seconds: number): void {
    this.eventsHandled.inc({ stream, type, outcome });
    this.handlerDuration.observe({ stream, type }, seconds);
  }

  deadLettered(stream: string, group: string): void {
    this.deadLetters.inc({ stream, group });
  }

  watchBreaker(name: string, breaker: WatchedBreaker): void {
    const state = () => this.circuitState.set({ name }, breaker.opened ? 2 : breaker.halfOpen ? 1 : 0);
    state();
    for (const event of BREAKER_EVENTS) {
      breaker.on(event, () => {
        this.circuitEvents.inc({ name, event });
        state();
      });
    }
  }

  /** Reports `count()` as `live_subscriptions{kind}` on each scrape (a later call for the same kind replaces it). */
  watchLive(kind: string, count: () => number): void {
    this.liveSources.set(kind, count);
  }

  /** Counts the unpublished rows of `orm`'s outbox on each scrape (`outbox_backlog`). */
  watchOutbox(orm: MikroORM): void {
    this.outboxOrm = orm;
  }

  /** Reads XINFO GROUPS of each stream through `redis` on each scrape for the given groups (`consumer_lag`, `consumer_pending`). */
  watchConsumerGroups(redis: Redis, groups: { streams: readonly string[]; group: string }[]): void {
    this.groupsRedis = redis;
    for (const { streams, group } of groups) for (const stream of streams) this.groups.push({ stream, group });
  }

  /** The text exposition of every series (what `GET /metrics` answers). */
  text(): Promise<string> {
    return this.registry.metrics();
  }

  private async outboxBacklog(): Promise<number | undefined> {
    const orm = this.outboxOrm;
    if (!orm) return undefined;
    return withTimeout(orm.em.fork().count(OutboxMessage, { publishedAt: null }), SCRAPE_QUERY_TIMEOUT_MS).catch(() => NaN);
  }

  private async groupInfo(): Promise<{ stream: string; group: string; pending: number; lag: number | null }[]> {
    const redis = this.groupsRedis;
    if (!redis || this.groups.length === 0) return [];
    const streams = [...new Set(this.groups.map((g) => g.stream))];
    const replies = await Promise.all(
      streams.map((stream) =>
        withTimeout(redis.xinfo('GROUPS', stream) as Promise<unknown[][]>, SCRAPE_QUERY_TIMEOUT_MS).then(
          (groups) => ({ stream, groups }),
          () => ({ stream, groups: [] as unknown[][] }),
        ),
      ),
    );
    const rows: { stream: string; group: string; pending: number; lag: number | null }[] = [];
    for (const { stream, groups } of replies) {
      for (const flat of groups) {
        const info = fieldsOf(flat);
        const wanted = this.groups.some((g) => g.stream === stream && g.group === info.name);
        if (!wanted) continue;
        rows.push({ stream, group: String(info.name), pending: Number(info.pending ?? 0), lag: info.lag == null ? null : Number(info.lag) });
      }
    }
    return rows;
  }
}

/** A ServiceMetrics for `service` (the context's name, or `router`). */
export function createServiceMetrics(service: string): ServiceMetrics {
  return new ServiceMetrics(service);
}

/** Mounts `GET /metrics` (Prometheus text format) on `app`. */
export function mountMetrics(app: Express, metrics: ServiceMetrics): void {
  app.get('/metrics', async (_req, res, next) => {
    try {
      const body = await metrics.text();
      res.set('content-type', metrics.registry.contentType).send(body);
    } catch (error) {
      next(error);
    }
  });
}

/** `promise`, or a rejection after `ms`. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
