import { hostname } from 'node:os';
import { setTimeout as delay } from 'node:timers/promises';
import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { deadLetterStream, logRedisErrors, streamField, whenReady } from '../redis';
import type { ConsumerMetrics } from '../metrics/hooks';
import { storeReachable } from '../store/orm';
import { causedBy, EventEnvelope, parseEnvelope } from './envelope';
import { ProcessedEvent } from './processed-event';
import type { UnitOfWork } from './unit-of-work';
import { inConsumerSpan } from '../tracing/messaging';

/**
 * Applies one event inside the consumer's transaction `tx`. Throwing rolls back the handler's
 * effects and the inbox row; the entry stays pending and is retried, then dead-lettered.
 */
export type EventHandler = (event: EventEnvelope<any>, tx: EntityManager) => Promise<void>;

/** Per stream, per event type, the handler (a policy or a view projection). */
export type Subscriptions = Record<string, Record<string, EventHandler>>;

/** Consumer tuning; defaults in brackets. */
export interface StreamConsumerOptions {
  /** The consumer group: the reacting context or view (`notification`, `mypage`). One per context. */
  group: string;
  /**
   * This replica's name inside the group, unique among the group's live replicas
   * [env `CONSUMER_NAME`, else `<hostname>-<pid>`: the container or pod name in Docker and
   * Kubernetes, where every process is pid 1]. A replica restarted under the same name re-reads
   * its own pending entries at once; entries of a name never seen again are claimed by the
   * others after `claimIdleMs`.
   */
  consumer?: string;
  subscriptions: Subscriptions;
  /** Deliveries after which an entry goes to `<stream>.dlq` [5]. */
  maxDeliveries?: number;
  /** Entries idle this long in another consumer's pending list are claimed (XAUTOCLAIM) [30000 ms]. */
  claimIdleMs?: number;
  /** Pause before retrying this consumer's own failed entries [500 ms]. */
  retryDelayMs?: number;
  /** XREADGROUP BLOCK timeout [1000 ms]; also bounds how long `stop()` waits. */
  blockMs?: number;
  /** XREADGROUP COUNT [100]. */
  batchSize?: number;
  /** Told about each delivery to a handler and each dead letter (`events_handled_total`, …). */
  metrics?: ConsumerMetrics;
}

type Entry = [id: string, fields: string[] | null];
type StreamReply = [stream: string, entries: Entry[]][];

/**
 * A Redis Streams consumer-group member (Redis docs, "Streams: consumer groups"): reads its own
 * pending entries first (`0`), then new ones (`>`); claims entries a dead replica left pending
 * (XAUTOCLAIM); applies each event in one database transaction together with an inbox row
 * (`processed_event`, keyed by group and event id) so duplicates have no effect; XACKs only
 * after that commit; moves an entry that failed `maxDeliveries` times to `<stream>.dlq` with
 * the error and goes on. A failure while the consumer's own store is unreachable is not the
 * event's fault: consumption pauses, polling the store with backoff, and reads nothing until the
 * store answers again (every re-read of a pending entry counts as a delivery, so an outage does
 * not push good entries towards `maxDeliveries`); nothing is dead-lettered. Groups are created at
 * `0`, so a new context processes the stream's history.
 */
export class StreamConsumer {
  readonly group: string;
  readonly consumer: string;
  /** The streams this consumer reads (keys of `subscriptions`). */
  readonly streams: readonly string[];
  private readonly maxDeliveries: number;
  private readonly claimIdleMs: number;
  private readonly retryDelayMs: number;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private reader: Redis;
  private readerClosed = false;
  private loop?: Promise<void>;
  private stopped = true;
  /** Aborted by `stop()`: ends the waits between attempts at once. */
  private halt = new AbortController();
  private lastClaimAt = 0;
  private retryPendingAt = 0;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly uow: UnitOfWork,
    private readonly logger: Logger,
    private readonly options: StreamConsumerOptions,
  ) {
    this.group = options.group;
    this.consumer = options.consumer ?? defaultConsumerName();
    this.streams = Object.keys(options.subscriptions);
    this.maxDeliveries = options.maxDeliveries ?? 5;
    this.claimIdleMs = options.claimIdleMs ?? 30_000;
    this.retryDelayMs = options.retryDelayMs ?? 500;
    this.blockMs = options.blockMs ?? 1000;
    this.batchSize = options.batchSize ?? 100;
    this.reader = this.openReader();
  }

  /** The consumer's own connection (blocking reads need one), failing fast while Redis is down; its errors are logged, rate-limited. */
  private openReader(): Redis {
    const reader = this.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 1 });
    logRedisErrors(reader, this.logger);
    return reader;
  }

  /**
   * Starts reading (no-op while already running). A consumer can be started again after
   * `stop()`: it then opens a new reader connection (`stop()` closed the previous one).
   */
  start(): void {
    if (!this.stopped) return;
    if (this.readerClosed) {
      this.reader = this.openReader();
      this.readerClosed = false;
    }
    this.stopped = false;
    this.halt = new AbortController();
    this.loop = this.run();
  }

  /**
   * Stops after the entry being applied (if any) is committed and acknowledged; the entries read
   * with it stay pending and are read again on the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halt.abort();
    await this.loop;
    this.reader.disconnect();
    this.readerClosed = true;
  }

  private async run(): Promise<void> {
    let failures = 0;
    let groupsReady = false;
    let ownPendingDone = false;
    while (!this.stopped) {
      try {
        await whenReady(this.reader, this.blockMs);
        if (!groupsReady) groupsReady = await this.ensureGroups();
        if (!ownPendingDone || (this.retryPendingAt > 0 && Date.now() >= this.retryPendingAt)) {
          this.retryPendingAt = 0;
          await this.readOwnPending();
          ownPendingDone = true;
        }
        if (Date.now() - this.lastClaimAt >= Math.min(this.claimIdleMs, 5000)) await this.claimStale();
        const block = this.retryPendingAt > 0 ? Math.max(1, Math.min(this.blockMs, this.retryPendingAt - Date.now())) : this.blockMs;
        const reply = (await this.reader.xreadgroup(
          'GROUP', this.group, this.consumer, 'COUNT', this.batchSize, 'BLOCK', block,
          'STREAMS', ...this.streams, ...this.streams.map(() => '>'),
        )) as StreamReply | null;
        await this.applyAll(reply);
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        if (String(error).includes('NOGROUP')) groupsReady = false;
        if (error instanceof StoreUnavailableError) {
          if (failures === 1 || failures % 10 === 0) this.logger.warn({ err: error, group: this.group }, 'stream consumer paused until its store answers');
          await this.untilStoreAnswers();
          continue;
        }
        const wait = Math.min(100 * 2 ** failures, 5000);
        if (failures === 1 || failures % 10 === 0) this.logger.warn({ err: error, group: this.group, retryInMs: wait }, 'stream consumer cannot read; retrying');
        await this.pause(wait);
      }
    }
  }

  /** Waits `ms`, or less if `stop()` is called meanwhile. */
  private pause(ms: number): Promise<void> {
    return delay(ms, undefined, { signal: this.halt.signal }).catch(() => undefined);
  }

  /**
   * Polls the store (100 ms doubling to 2 s) until it answers or the consumer stops. Nothing is
   * read from Redis meanwhile: re-reading pending entries would count deliveries for nothing.
   */
  private async untilStoreAnswers(): Promise<void> {
    for (let attempt = 0; !this.stopped; attempt += 1) {
      await this.pause(Math.min(100 * 2 ** attempt, 2000));
      if (!this.stopped && (await storeReachable(this.orm))) {
        this.logger.info({ group: this.group }, 'stream consumer resumed: its store answers again');
        return;
      }
    }
  }

  private async ensureGroups(): Promise<boolean> {
    for (const stream of this.streams) {
      try {
        await this.reader.xgroup('CREATE', stream, this.group, '0', 'MKSTREAM');
      } catch (error) {
        if (!String(error).includes('BUSYGROUP')) throw error;
      }
    }
    return true;
  }

  /** Re-reads entries delivered to this consumer but never acknowledged (crash or failed handler). */
  private async readOwnPending(): Promise<void> {
    const cursors = new Map(this.streams.map((s) => [s, '0']));
    while (!this.stopped && cursors.size > 0) {
      const streams = [...cursors.keys()];
      const reply = (await this.reader.xreadgroup(
        'GROUP', this.group, this.consumer, 'COUNT', this.batchSize,
        'STREAMS', ...streams, ...streams.map((s) => cursors.get(s)!),
      )) as StreamReply | null;
      for (const stream of streams) {
        const entries = reply?.find(([name]) => name === stream)?.[1] ?? [];
        if (entries.length === 0) cursors.delete(stream);
        else cursors.set(stream, entries[entries.length - 1][0]);
      }
      await this.applyAll(reply);
    }
  }

  /** Takes over entries idle longer than `claimIdleMs` in other (dead) consumers' pending lists. */
  private async claimStale(): Promise<void> {
    this.lastClaimAt = Date.now();
    for (const stream of this.streams) {
      let cursor = '0-0';
      do {
        const [next, entries] = (await this.reader.xautoclaim(stream, this.group, this.consumer, this.claimIdleMs, cursor, 'COUNT', this.batchSize)) as [string, Entry[]];
        cursor = next;
        for (const entry of entries) {
          if (this.stopped) return;
          await this.apply(stream, entry);
        }
      } while (cursor !== '0-0' && !this.stopped);
    }
  }

  /** Applies the entries of a read in order; after `stop()` the rest stay pending (read again on restart). */
  private async applyAll(reply: StreamReply | null): Promise<void> {
    for (const [stream, entries] of reply ?? []) {
      for (const entry of entries) {
        if (this.stopped) return;
        await this.apply(stream, entry);
      }
    }
  }

  private async apply(stream: string, [id, fields]: Entry): Promise<void> {
    if (!fields) {
      await this.reader.xack(stream, this.group, id); // trimmed away while pending
      return;
    }
    const raw = streamField(fields, 'envelope');
    let event: EventEnvelope;
    try {
      event = parseEnvelope(raw ?? '');
    } catch (error) {
      await this.deadLetter(stream, id, raw ?? JSON.stringify(fields), error, 1);
      return;
    }
    const handler = this.options.subscriptions[stream]?.[event.type];
    if (!handler) {
      await this.reader.xack(stream, this.group, id);
      return;
    }
    const started = process.hrtime.bigint();
    const report = (outcome: 'ok' | 'duplicate' | 'error') => this.options.metrics?.handled(stream, event.type, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    let applied = false;
    try {
      let duplicate = false;
      // One CONSUMER span `process <type>` per delivery, child of the envelope's trace context.
      await inConsumerSpan(event, stream, this.group, () => this.uow.run(this.orm.em, causedBy(event), async (tx) => {
        if (await tx.findOne(ProcessedEvent, { consumer: this.group, eventId: event.id })) {
          duplicate = true;
          return;
        }
        tx.persist(new ProcessedEvent(this.group, event.id));
        await handler(event, tx);
      }));
      report(duplicate ? 'duplicate' : 'ok');
      applied = true;
      await this.reader.xack(stream, this.group, id);
    } catch (error) {
      if (!applied) report('error');
      if (!(await storeReachable(this.orm))) {
        // The store is down, not the event: keep it pending and pause (the loop backs off) rather
        // than spend its deliveries and dead-letter a good event.
        this.retryPendingAt = Date.now() + this.retryDelayMs;
        throw new StoreUnavailableError(this.group, error);
      }
      const deliveries = await this.deliveries(stream, id);
      if (deliveries >= this.maxDeliveries) {
        await this.deadLetter(stream, id, raw!, error, deliveries);
      } else {
        this.logger.warn({ err: error, stream, entry: id, type: event.type, deliveries }, 'event handler failed; will retry');
        this.retryPendingAt = Date.now() + this.retryDelayMs;
      }
    }
  }

  private async deliveries(stream: string, id: string): Promise<number> {
    const pending = (await this.reader.xpending(stream, this.group, id, id, 1)) as [string, string, number, number][];
    return pending[0]?.[3] ?? 1;
  }

  private async deadLetter(stream: string, id: string, envelope: string, error: unknown, deliveries: number): Promise<void> {
    const reason = error instanceof Error ? error.message : String(error);
    await this.reader.xadd(deadLetterStream(stream), '*', 'envelope', envelope, 'error', reason, 'group', this.group, 'entry', id, 'deliveries', String(deliveries));
    await this.reader.xack(stream, this.group, id);
    this.options.metrics?.deadLettered(stream, this.group);
    this.logger.error({ stream, entry: id, group: this.group, deliveries, reason }, 'event dead-lettered');
  }
}

/** The consumer's own store did not answer while applying an event: consumption pauses, nothing is dead-lettered. */
export class StoreUnavailableError extends Error {
  constructor(group: string, cause: unknown) {
    super(`${group}: store unavailable, pausing consumption`, { cause });
    this.name = 'StoreUnavailableError';
  }
}

/** `CONSUMER_NAME`, else `<hostname>-<pid>` (see `StreamConsumerOptions.consumer`). */
function defaultConsumerName(): string {
  return process.env.CONSUMER_NAME || `${hostname()}-${process.pid}`;
}
