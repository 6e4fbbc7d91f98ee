import { setTimeout as delay } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { EventEnvelope, parseEnvelope } from '../events/envelope';
import { logRedisErrors, streamField, whenReady } from '../redis';
import { inPushSpan } from '../tracing/messaging';

/** Called with each dispatched envelope; runs synchronously inside the feed's loop, so it must not block. */
export type LiveListener<P extends object> = (event: EventEnvelope<P>) => void;

/** What a live feed follows and whom it tells; defaults in brackets. */
export interface LiveFeedOptions<P extends object> {
  /** The stream to follow: a context's own `<namespace><context>.events` (`eventStream`). */
  stream: string;
  /** Event types dispatched (the entry's `type` field, as the outbox relay writes it); other entries are skipped unparsed. */
  types: readonly string[];
  /**
   * The listener key of an envelope, e.g. `(e) => e.payload.recipientId`; `undefined` tells no one.
   * A key function that throws is logged and the entry skipped.
   */
  key: (event: EventEnvelope<P>) => string | undefined;
  /** XREAD BLOCK timeout in ms [5000]: how long one read waits for entries before it is issued again. `stop()` does not wait for it. */
  blockMs?: number;
  /** XREAD COUNT [100]. */
  batchSize?: number;
  /**
   * How many recent envelope ids are remembered to drop republished copies [1000]. The outbox relay
   * publishes at least once (a crash between XADD and marking republishes a row, and so can two
   * processes relaying one SQLite outbox); such a copy follows the original closely in the stream.
   */
  dedupWindow?: number;
  /** Longest wait in ms between attempts while Redis is down [5000] (backoff doubles from 100). */
  maxBackoffMs?: number;
}

type Entry = [id: string, fields: string[]];
type XReadReply = [stream: string, entries: Entry[]][] | null;

/**
 * Fan-out of one context's event stream to every replica (ARCHITECTURE.md "Subscriptions": any
 * replica can serve any client, so live subscriptions are fed from Redis, not from process memory).
 *
 * Each replica's feed reads the stream with plain `XREAD BLOCK` on a connection of its own (Redis
 * docs, XREAD: blocking reads need their own connection), not through a consumer group: every
 * replica sees every entry, whichever replica's relay published it. It starts at the stream's end
 * (like `XREAD … $`, but the id is read first with `XREVRANGE + - COUNT 1`, so `ready()` can tell
 * from when on nothing is missed), then always continues from the id of the last entry it read: a
 * Redis outage or reconnect costs a delay, never an entry published meanwhile (the stream is never
 * trimmed of entries younger than `STREAM_RETENTION_MS`, whatever the consumer groups acknowledged:
 * `trimStream`; a feed further behind than that resumes at the oldest entry left). While Redis is down it
 * retries with backoff (100 ms doubling up to `maxBackoffMs`), logging the first failure and every
 * tenth.
 *
 * Entries whose `type` is one of `types` are parsed (`parseEnvelope`), copies of an envelope id seen
 * among the last `dedupWindow` are dropped, and the envelope goes to every listener registered under
 * `key(envelope)`. A listener that throws is logged; the loop and the other listeners go on. The
 * listeners' calls run in a span `push <type>`, child of the envelope's `traceparent` (`inPushSpan`).
 *
 * Delivery is best effort (a listener registered after an entry was read does not get it), so
 * subscriptions that must not miss anything treat a dispatch as a wake-up and read their store
 * (`replayThenLive`).
 */
export class LiveFeed<P extends object = Record<string, unknown>> {
  readonly stream: string;
  private readonly types: ReadonlySet<string>;
  private readonly blockMs: number;
  private readonly batchSize: number;
  private readonly dedupWindow: number;
  private readonly maxBackoffMs: number;
  private readonly listeners = new Map<string, Set<LiveListener<P>>>();
  /** Envelope ids dispatched lately, oldest first (a Set keeps insertion order). */
  private readonly recent = new Set<string>();
  private readonly halt = new AbortController();
  private readonly positioned: Promise<void>;
  private markPositioned!: () => void;
  private reader?: Redis;
  private loop?: Promise<void>;
  private stopped = false;
  /** The id of the last entry read (XREAD continues after it); unset until the start position is read. */
  private position?: string;

  constructor(
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly options: LiveFeedOptions<P>,
  ) {
    this.stream = options.stream;
    this.types = new Set(options.types);
    this.blockMs = options.blockMs ?? 5000;
    this.batchSize = options.batchSize ?? 100;
    this.dedupWindow = options.dedupWindow ?? 1000;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.positioned = new Promise((resolve) => (this.markPositioned = resolve));
  }

  /** Opens the feed's own connection and starts reading (no-op when started; a stopped feed stays stopped). */
  start(): void {
    if (this.loop || this.stopped) return;
    this.reader = this.redis.duplicate({ enableOfflineQueue: false, maxRetriesPerRequest: 1, connectionName: `live:${this.stream}` });
    logRedisErrors(this.reader, this.logger);
    this.loop = this.run(this.reader);
  }

  /**
   * Resolves once the start position is known: every entry added to the stream from then on is
   * dispatched. Waits for Redis while it is down; resolves at once after `stop()`.
   */
  ready(): Promise<void> {
    return this.positioned;
  }

  /**
   * Registers `listener` for envelopes whose key is `key`; returns the function that unregisters it
   * (idempotent). Listeners can be registered before `start()`.
   */
  listen(key: string, listener: LiveListener<P>): () => void {
    let forKey = this.listeners.get(key);
    if (!forKey) this.listeners.set(key, (forKey = new Set()));
    forKey.add(listener);
    return () => {
      const current = this.listeners.get(key);
      if (!current?.delete(listener)) return;
      if (current.size === 0) this.listeners.delete(key);
    };
  }

  /** How many listeners are registered under `key`, or under all keys when it is omitted. */
  listenerCount(key?: string): number {
    if (key !== undefined) return this.listeners.get(key)?.size ?? 0;
    let count = 0;
    for (const forKey of this.listeners.values()) count += forKey.size;
    return count;
  }

  /** Stops reading at once (the blocked XREAD is cut by closing the connection) and waits for the loop to end; idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return this.loop;
    this.stopped = true;
    this.halt.abort();
    this.markPositioned();
    this.reader?.disconnect();
    await this.loop;
  }

  private async run(reader: Redis): Promise<void> {
    let failures = 0;
    while (!this.stopped) {
      try {
        await whenReady(reader, this.blockMs);
        if (this.position === undefined) {
          const [last] = await reader.xrevrange(this.stream, '+', '-', 'COUNT', 1);
          this.position = last?.[0] ?? '0-0';
          this.markPositioned();
        }
        const reply = (await reader.xread('COUNT', this.batchSize, 'BLOCK', this.blockMs, 'STREAMS', this.stream, this.position)) as XReadReply;
        for (const [, entries] of reply ?? []) {
          for (const [id, fields] of entries) {
            this.position = id;
            this.dispatch(fields);
          }
        }
        if (failures > 0) this.logger.info({ stream: this.stream, after: this.position }, 'live feed reading again');
        failures = 0;
      } catch (error) {
        if (this.stopped) break;
        failures += 1;
        const wait = Math.min(100 * 2 ** failures, this.maxBackoffMs);
        if (failures === 1 || failures % 10 === 0) this.logger.warn({ err: error, stream: this.stream, retryInMs: wait }, 'live feed cannot read; retrying from its last entry');
        await delay(wait, undefined, { signal: this.halt.signal }).catch(() => undefined);
      }
    }
  }

  private dispatch(fields: string[]): void {
    const type = streamField(fields, 'type');
    if (type === undefined || !this.types.has(type)) return;
    let event: EventEnvelope<P>;
    let key: string | undefined;
    try {
      event = parseEnvelope(streamField(fields, 'envelope') ?? '') as EventEnvelope<P>;
      if (this.seenBefore(event.id)) return;
      key = this.options.key(event);
    } catch (error) {
      this.logger.warn({ err: error, stream: this.stream, type }, 'live feed skipped an entry it cannot read');
      return;
    }
    if (key === undefined) return;
    const listeners = [...(this.listeners.get(key) ?? [])];
    if (listeners.length === 0) return;
    inPushSpan(event, this.stream, listeners.length, () => {
      for (const listener of listeners) {
        try {
          listener(event);
        } catch (error) {
          this.logger.error({ err: error, stream: this.stream, type, key }, 'live feed listener failed');
        }
      }
    });
  }

  /** True when `id` was dispatched among the last `dedupWindow` envelopes; remembers it otherwise. */
  private seenBefore(id: string): boolean {
    if (this.recent.has(id)) return true;
    this.recent.add(id);
    if (this.recent.size > this.dedupWindow) this.recent.delete(this.recent.values().next().value!);
    return false;
  }
}
