import type { EntityManager } from '@mikro-orm/core';
import { AggregateRoot, isAggregateRoot } from '../domain/aggregate-root';
import { DomainError } from '../domain/errors';
import { envelope, EventMeta } from './envelope';
import { OutboxMessage } from './outbox-message';

/** Something to nudge after a commit so staged events are published at once (the relay). */
export interface AfterCommit {
  wake(): void;
}

/**
 * The transactional outbox of one context (ARCHITECTURE.md "Events"; MikroORM docs,
 * "transactional outbox"). `run` executes `work` in one database transaction; the events
 * raised by every aggregate the transaction touched are written as `outbox_message` rows in
 * that same transaction, so an event exists if and only if its aggregate change committed.
 * After the commit the relay is woken to publish them (polling is only the safety net).
 */
export class UnitOfWork {
  constructor(
    /** The producing context (`booking`); goes into `EventEnvelope.producer`. */
    readonly producer: string,
    /** The stream this context publishes to (`booking.events`). */
    readonly stream: string,
    private readonly afterCommit?: AfterCommit,
  ) {}

  /**
   * Runs `work` in a transaction on a fork of `em` and stages raised events in the outbox.
   * Any error thrown by `work` (e.g. a `DomainError`) rolls everything back and is rethrown.
   * Raises `CONFLICT` when an aggregate that raised events was changed by a concurrent
   * transaction after `work` read it (see `stage`); callers may simply retry.
   */
  async run<T>(em: EntityManager, meta: EventMeta, work: (tx: EntityManager) => Promise<T>): Promise<T> {
    const result = await em.fork().transactional(async (tx) => {
      const value = await work(tx);
      await this.stage(tx, meta);
      return value;
    });
    this.afterCommit?.wake();
    return result;
  }

  /**
   * Flushes `tx`, then turns the pending events of every aggregate it manages, persisted or
   * removed, into outbox rows; returns how many. Aggregates are collected before the flush too,
   * because a flush forgets removed entities and their events must still be staged. Before the
   * flush, each loaded aggregate that raised events claims its new version (`CONFLICT` if a
   * concurrent transaction changed it first).
   */
  async stage(tx: EntityManager, meta: EventMeta): Promise<number> {
    const unitOfWork = tx.getUnitOfWork();
    const aggregates = new Set<AggregateRoot>();
    const collect = (entities: Iterable<unknown>) => {
      for (const entity of entities) if (isAggregateRoot(entity)) aggregates.add(entity);
    };
    collect(unitOfWork.getIdentityMap());
    collect(unitOfWork.getPersistStack());
    collect(unitOfWork.getRemoveStack());
    for (const entity of aggregates) await this.claimVersion(tx, entity);
    await tx.flush();
    collect(unitOfWork.getIdentityMap());
    let staged = 0;
    for (const entity of aggregates) {
      for (const event of entity.pullEvents()) {
        const env = envelope(event, this.producer, meta);
        tx.persist(new OutboxMessage(env.id, this.stream, env.type, JSON.stringify(env)));
        staged += 1;
      }
    }
    if (staged > 0) await tx.flush();
    return staged;
  }

  /**
   * Optimistic concurrency for a loaded aggregate that raised events: moves its row from the
   * version this EntityManager read to the new one only if nobody else did meanwhile, so two
   * concurrent commands on one aggregate cannot both commit (lost update, two events with the
   * same `aggregateVersion`). Throws `DomainError('CONFLICT')` for the loser, whose transaction
   * rolls back. New aggregates, aggregates whose schema does not map `version`, and aggregates whose
   * schema has an optimistic lock of its own (a MikroORM `version: true` property such as a view
   * row's `revision`, which a claim would bump; that lock already fails the loser's flush with an
   * `OptimisticLockError`) are skipped.
   * Runs before the flush that writes the aggregate; if `work` flushed it itself, the row already
   * holds this transaction's own write and the check passes.
   */
  private async claimVersion(tx: EntityManager, entity: AggregateRoot): Promise<void> {
    const original = tx.getUnitOfWork().getOriginalEntityData(entity) as { version?: unknown } | undefined;
    const read = original?.version;
    if (typeof read !== 'number' || read === entity.version) return;
    const meta = tx.getMetadata().find(entity.constructor.name);
    if (!meta?.properties.version || meta.versionProperty) return;
    const where: Record<string, unknown> = { version: read };
    for (const key of meta.primaryKeys) where[key] = (entity as unknown as Record<string, unknown>)[key];
    const updated = await tx.nativeUpdate(meta.class, where, { version: entity.version });
    if (updated === 0) throw new DomainError('CONFLICT', `${entity.constructor.name} ${entity.id} was changed by another request meanwhile; try again`);
  }
}
