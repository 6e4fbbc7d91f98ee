import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { OutboxMessage } from './outbox-message';
import { ProcessedEvent } from './processed-event';
import { StreamTrim, trimStream } from './stream-trim';

/** What a context's housekeeping cleans up, and how often; defaults in brackets. */
export interface HousekeepingOptions {
  /** The streams this context publishes to (its own `<namespace><context>.events`); trimmed by `trimStream`. */
  streams: string[];
  /** Published outbox rows older than this (by `publishedAt`), in ms, are deleted (`OUTBOX_RETENTION_MS`). Unpublished rows never are. */
  outboxRetentionMs: number;
  /**
   * Inbox (`processed_event`) rows older than this (by `processedAt`), in ms, are deleted
   * (`INBOX_RETENTION_MS`). Must be longer than any redelivery window: an event delivered again
   * after its inbox row was deleted would be applied twice (see `baseConfigShape`).
   */
  inboxRetentionMs: number;
  /** Stream entries younger than this, in ms, are never trimmed (`STREAM_RETENTION_MS`; see `trimStream`). */
  streamRetentionMs: number;
  /** Mean time between runs in ms [300000]; each wait is drawn uniformly from half to one and a half times it, so replicas spread out. */
  intervalMs?: number;
  /** Rows deleted per statement [500]: each DELETE is short, so it never holds many locks for long. */
  batchSize?: number;
}

/** What one run removed. */
export interface HousekeepingReport {
  /** Published outbox rows deleted. */
  outboxPurged: number;
  /** Inbox rows deleted. */
  inboxPurged: number;
  /** Per stream, what `trimStream` did. */
  trims: StreamTrim[];
}

/**
 * A context's periodic cleanup (started and stopped by `serveSubgraph`, one per replica): deletes
 * published outbox rows older than `outboxRetentionMs` and inbox rows older than
 * `inboxRetentionMs`, in batches of `batchSize`, and trims the context's streams past what every
 * consumer group acknowledged (`trimStream`, keeping `streamRetentionMs` of history). Nothing
 * committed is lost: unpublished outbox rows are never deleted, and stream entries a group has not
 * acknowledged are never trimmed. Replicas running it at the same time delete or trim the same
 * things at most twice, which is harmless. A failing step (store or Redis down) is logged and
 * does not stop the other steps; the next run tries again.
 */
export class Housekeeping {
  private readonly intervalMs: number;
  private readonly batchSize: number;
  private timer?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = true;
  /** Set by `stop()`: a purge in progress ends after its current batch. */
  private halted = false;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly logger: Logger,
    private readonly options: HousekeepingOptions,
  ) {
    this.intervalMs = options.intervalMs ?? 300_000;
    this.batchSize = options.batchSize ?? 500;
  }

  /** Schedules runs, the first after one jittered interval (no-op while started). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.halted = false;
    this.schedule();
  }

  /** Stops scheduling and waits for a run in progress, which ends after its current batch (the rest waits for a later run). */
  async stop(): Promise<void> {
    this.stopped = true;
    this.halted = true;
    clearTimeout(this.timer);
    await this.running;
  }

  /**
   * One cleanup now, at time `now` (ms since the epoch). Every step runs even when an earlier one
   * failed; then, if any failed, throws an `AggregateError` of their errors.
   */
  async runOnce(now = Date.now()): Promise<HousekeepingReport> {
    const report: HousekeepingReport = { outboxPurged: 0, inboxPurged: 0, trims: [] };
    const errors: unknown[] = [];
    const step = async (work: () => Promise<void>) => {
      try {
        await work();
      } catch (error) {
        errors.push(error);
      }
    };
    await step(async () => {
      report.outboxPurged = await this.purgeOutbox(new Date(now - this.options.outboxRetentionMs));
    });
    await step(async () => {
      report.inboxPurged = await this.purgeInbox(new Date(now - this.options.inboxRetentionMs));
    });
    for (const stream of this.options.streams) {
      await step(async () => {
        report.trims.push(await trimStream(this.redis, stream, this.options.streamRetentionMs, now));
      });
    }
    if (errors.length > 0) throw new AggregateError(errors, `housekeeping: ${errors.length} step(s) failed`);
    return report;
  }

  /** Deletes outbox rows published before `before`, `batchSize` at a time; returns how many. */
  private async purgeOutbox(before: Date): Promise<number> {
    let purged = 0;
    for (;;) {
      const em = this.orm.em.fork();
      const rows = await em.find(OutboxMessage, { publishedAt: { $lt: before } }, { fields: ['seq'], orderBy: { publishedAt: 'asc' }, limit: this.batchSize });
      if (rows.length > 0) purged += await em.nativeDelete(OutboxMessage, { seq: { $in: rows.map((row) => row.seq) } });
      if (rows.length < this.batchSize || this.halted) return purged;
    }
  }

  /** Deletes inbox rows processed before `before`, `batchSize` at a time; returns how many. */
  private async purgeInbox(before: Date): Promise<number> {
    let purged = 0;
    for (;;) {
      const em = this.orm.em.fork();
      const rows = await em.find(ProcessedEvent, { processedAt: { $lt: before } }, { fields: ['consumer', 'eventId'], orderBy: { processedAt: 'asc' }, limit: this.batchSize });
      const byConsumer = new Map<string, string[]>();
      for (const row of rows) {
        const eventIds = byConsumer.get(row.consumer);
        if (eventIds) eventIds.push(row.eventId);
        else byConsumer.set(row.consumer, [row.eventId]);
      }
      for (const [consumer, eventIds] of byConsumer) purged += await em.nativeDelete(ProcessedEvent, { consumer, eventId: { $in: eventIds } });
      if (rows.length < this.batchSize || this.halted) return purged;
    }
  }

  private schedule(): void {
    const delayMs = this.intervalMs * (0.5 + Math.random());
    this.timer = setTimeout(() => void this.tick(), delayMs);
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    this.running = this.runOnce().then(
      (report) => {
        const trimmed = report.trims.reduce((sum, trim) => sum + trim.trimmed, 0);
        if (report.outboxPurged + report.inboxPurged + trimmed > 0) {
          this.logger.info({ outboxPurged: report.outboxPurged, inboxPurged: report.inboxPurged, trimmed }, 'housekeeping done');
        }
      },
      (error: unknown) => this.logger.warn({ err: error }, 'housekeeping failed; will try again next time'),
    );
    await this.running;
    this.running = undefined;
    if (!this.stopped) this.schedule();
  }
}
