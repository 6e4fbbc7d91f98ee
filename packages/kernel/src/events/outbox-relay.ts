import type { MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { OutboxMessage } from './outbox-message';
import type { AfterCommit } from './unit-of-work';

/** Tuning of the relay; defaults in brackets. */
export interface OutboxRelayOptions {
  /** Safety-net poll period in ms [500]: rows committed without a wake are published within it. */
  pollIntervalMs?: number;
  /** Rows per XADD pipeline [200]. */
  batchSize?: number;
  /** Longest wait between attempts while Redis is down, ms [5000] (backoff doubles from 100). */
  maxBackoffMs?: number;
}

/**
 * Publishes committed outbox rows to Redis Streams (XADD `stream` * with fields `type` and
 * `envelope`), then marks them published. Rows go out in outbox insert order (`seq`), which is
 * not strictly commit order across concurrent transactions; per-aggregate order is guaranteed by
 * the aggregate's version claim (two transactions cannot stage events of the same aggregate
 * concurrently, so its rows are inserted, hence published, in version order). Redis down ⇒ rows
 * stay and are retried with backoff (a commit's `wake()` does not cut a backoff short); a crash
 * between XADD and marking republishes the row, which consumers drop by event id (at-least-once
 * publication, exactly-once effects). Source: ARCHITECTURE.md "Events"; Redis docs, XADD.
 */
export class OutboxRelay implements AfterCommit {
  private timer?: NodeJS.Timeout;
  private draining?: Promise<void>;
  private again = false;
  private stopped = true;
  private failures = 0;
  private readonly pollIntervalMs: number;
  private readonly batchSize: number;
  private readonly maxBackoffMs: number;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
  }

  start(): void {
    this.stopped = false;
    this.schedule(0);
  }

  /**
   * Publish now (called after a commit that staged events). While publishing fails (Redis down)
   * it does nothing: the retry already scheduled by the backoff publishes the row too.
   */
  wake(): void {
    if (this.stopped || this.failures > 0) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.schedule(0);
  }

  /** Stops polling and waits for a drain in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.draining;
  }

  /**
   * Publishes everything pending now; resolves with the number of rows published. When an XADD
   * of a batch fails, the rows before it are marked published first and the error is thrown;
   * the failed row and those after it are published again on the next attempt (consumers drop
   * the copies of those that had gone out, by event id), so a row is never published after one
   * inserted later that is marked published.
   */
  async drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const em = this.orm.em.fork();
      const rows = await em.find(OutboxMessage, { publishedAt: null }, { orderBy: { seq: 'asc' }, limit: this.batchSize });
      if (rows.length === 0) return total;
      const pipeline = this.redis.pipeline();
      for (const row of rows) pipeline.xadd(row.stream, '*', 'type', row.type, 'envelope', row.envelope);
      const results = await pipeline.exec();
      if (!results) throw new Error('XADD pipeline returned nothing');
      const failedAt = results.findIndex(([error]) => error);
      const published = failedAt < 0 ? rows : rows.slice(0, failedAt);
      if (published.length > 0) await em.nativeUpdate(OutboxMessage, { seq: { $in: published.map((r) => r.seq) } }, { publishedAt: new Date() });
      total += published.length;
      if (failedAt >= 0) throw results[failedAt][0];
    }
  }

  private schedule(delayMs: number): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.tick(), delayMs);
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.draining) return;
    this.again = false;
    let next = this.pollIntervalMs;
    this.draining = this.drainOnce()
      .then((published) => {
        if (this.failures > 0) this.logger.info({ published }, 'outbox relay recovered');
        this.failures = 0;
      })
      .catch((error: unknown) => {
        this.failures += 1;
        next = Math.min(100 * 2 ** this.failures, this.maxBackoffMs);
        if (this.failures === 1 || this.failures % 10 === 0) {
          this.logger.warn({ err: error, retryInMs: next }, 'outbox relay cannot publish yet; events wait in the outbox');
        }
      });
    await this.draining;
    this.draining = undefined;
    if (this.stopped) return;
    this.schedule(this.again && this.failures === 0 ? 0 : next);
  }
}
