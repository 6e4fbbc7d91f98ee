import { EntityManager, IsolationLevel, LockMode, MikroORM } from '@mikro-orm/core';
import type { Logger } from 'pino';
import type { Redis } from 'ioredis';
import { storeKindOf } from '../store/orm';
import type { RelayMetrics } from '../metrics/hooks';
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
  /** Told how many events went out on which stream (`events_published_total`). */
  metrics?: RelayMetrics;
}

/** What one batch did: rows selected (and locked), the rows XADDed and marked, the XADD error that cut it short. */
interface BatchOutcome {
  selected: number;
  published: OutboxMessage[];
  failure?: unknown;
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
 *
 * Several replicas' relays share one outbox. On PostgreSQL and MySQL/MariaDB each batch is one
 * READ COMMITTED transaction: select the oldest unpublished rows `FOR UPDATE SKIP LOCKED`
 * (MikroORM `LockMode.PESSIMISTIC_PARTIAL_WRITE`; needs MySQL 8 / MariaDB 10.6+), XADD them
 * in one pipeline, mark them published, commit. A relay never waits for another: it skips the
 * rows another holds and takes the next ones, so without a crash every row is XADDed once.
 * READ COMMITTED keeps InnoDB from taking gap locks, which would block the commands inserting
 * new outbox rows while the XADDs are under way. The select MikroORM 6.6 emits, on PostgreSQL:
 * `select "o0".* from "outbox_message" as "o0" where "o0"."published_at" is null order by
 * "o0"."seq" asc limit $1 for update skip locked` (MySQL/MariaDB alike, with backquotes and `?`).
 * SQLite is single-writer: no lock clause (MikroORM refuses SKIP LOCKED there), no transaction
 * around the XADDs (a write transaction held across them would stall every command); two
 * processes relaying one SQLite file may publish a row twice, which consumers drop by event id.
 * Published rows are deleted by `Housekeeping` after `OUTBOX_RETENTION_MS`.
 * Skipping locked rows could reorder an aggregate's events (a relay holding its older rows, another
 * its newer ones), so a relay holds back each row of an aggregate that still has an older
 * unpublished row outside its batch; that row's holder publishes it, and the row held back goes
 * out with a later batch.
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
  private readonly metrics?: RelayMetrics;
  /** Whether batches are selected `FOR UPDATE SKIP LOCKED` in a transaction (PostgreSQL, MySQL/MariaDB). */
  private readonly lockRows: boolean;

  constructor(
    private readonly orm: MikroORM,
    private readonly redis: Redis,
    private readonly logger: Logger,
    options: OutboxRelayOptions = {},
  ) {
    this.pollIntervalMs = options.pollIntervalMs ?? 500;
    this.batchSize = options.batchSize ?? 200;
    this.maxBackoffMs = options.maxBackoffMs ?? 5000;
    this.metrics = options.metrics;
    this.lockRows = storeKindOf(orm) !== 'sqlite';
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
   * Publishes everything pending now that no other relay holds; resolves with the number of rows
   * published. When an XADD of a batch fails, the rows before it are marked published first (and
   * committed) and the error is thrown; the failed row and those after it are published again on
   * the next attempt (consumers drop the copies of those that had gone out, by event id), so a row
   * is never published after one inserted later that is marked published. Stops early when a
   * batch had rows but all were held back for another relay's older rows (see the class doc):
   * the next poll takes them.
   */
  async drainOnce(): Promise<number> {
    let total = 0;
    for (;;) {
      const em = this.orm.em.fork();
      const outcome = this.lockRows
        ? await em.transactional((tx) => this.publishBatch(tx, LockMode.PESSIMISTIC_PARTIAL_WRITE), { isolationLevel: IsolationLevel.READ_COMMITTED })
        : await this.publishBatch(em);
      total += outcome.published.length;
      this.reportPublished(outcome.published);
      if (outcome.failure) throw outcome.failure;
      if (outcome.selected === 0 || outcome.published.length === 0) return total;
    }
  }

  /**
   * One batch on `em` (inside the batch's transaction when rows are locked): select up to
   * `batchSize` unpublished rows in `seq` order (`lockMode`: SKIP LOCKED; none on SQLite), hold
   * back those that must wait for older rows of their aggregate (`orderedSubset`), XADD the rest
   * in one pipeline and mark those that went out. An XADD error is returned, not thrown, so the
   * marks before it commit.
   */
  private async publishBatch(em: EntityManager, lockMode?: LockMode.PESSIMISTIC_PARTIAL_WRITE): Promise<BatchOutcome> {
    const rows = await em.find(OutboxMessage, { publishedAt: null }, { orderBy: { seq: 'asc' }, limit: this.batchSize, lockMode });
    if (rows.length === 0) return { selected: 0, published: [] };
    const ready = await this.orderedSubset(em, rows);
    if (ready.length === 0) return { selected: rows.length, published: [] };
    const pipeline = this.redis.pipeline();
    for (const row of ready) pipeline.xadd(row.stream, '*', 'type', row.type, 'envelope', row.envelope);
    const results = await pipeline.exec();
    if (!results) return { selected: rows.length, published: [], failure: new Error('XADD pipeline returned nothing') };
    const failedAt = results.findIndex(([error]) => error);
    const published = failedAt < 0 ? ready : ready.slice(0, failedAt);
    if (published.length > 0) await em.nativeUpdate(OutboxMessage, { seq: { $in: published.map((r) => r.seq) } }, { publishedAt: new Date() });
    return { selected: rows.length, published, failure: failedAt < 0 ? undefined : results[failedAt][0] };
  }

  /** Tells `metrics` how many of `rows` (committed as published) went to each stream. */
  private reportPublished(rows: OutboxMessage[]): void {
    if (!this.metrics || rows.length === 0) return;
    const perStream = new Map<string, number>();
    for (const row of rows) perStream.set(row.stream, (perStream.get(row.stream) ?? 0) + 1);
    for (const [stream, count] of perStream) this.metrics.published(stream, count);
  }

  /**
   * The rows of `batch` (in `seq` order) that can go out now without overtaking an older event of
   * their aggregate: reads, without locking, the unpublished rows older than the batch's last one
   * that are not in it (held by another relay, or committed since the batch was selected) and
   * drops each batch row whose aggregate (`aggregateType`/`aggregateId` of the envelope) has such
   * a row with a smaller `seq`. Usually that read finds nothing and the whole batch goes out.
   */
  private async orderedSubset(em: EntityManager, batch: OutboxMessage[]): Promise<OutboxMessage[]> {
    const seqs = batch.map((row) => row.seq);
    const older = await em.find(
      OutboxMessage,
      { publishedAt: null, seq: { $lt: seqs[seqs.length - 1], $nin: seqs } },
      { fields: ['seq', 'envelope'], orderBy: { seq: 'asc' } },
    );
    if (older.length === 0) return batch;
    const oldestElsewhere = new Map<string, number>();
    for (const row of older) {
      const key = aggregateKey(row.envelope);
      if (!oldestElsewhere.has(key)) oldestElsewhere.set(key, row.seq);
    }
    return batch.filter((row) => {
      const blocker = oldestElsewhere.get(aggregateKey(row.envelope));
      return blocker === undefined || blocker > row.seq;
    });
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

/** `aggregateType/aggregateId` of an outbox row's envelope (JSON written by `UnitOfWork.stage`). */
function aggregateKey(envelope: string): string {
  const { aggregateType, aggregateId } = JSON.parse(envelope) as { aggregateType: string; aggregateId: string };
  return `${aggregateType}/${aggregateId}`;
}
