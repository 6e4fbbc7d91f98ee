import type { EntityManager } from '@mikro-orm/core';
import { isAggregateRoot } from '../domain/aggregate-root';
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

  /** Flushes `tx`, then turns the pending events of every managed aggregate into outbox rows. */
  async stage(tx: EntityManager, meta: EventMeta): Promise<number> {
    await tx.flush();
    let staged = 0;
    for (const entity of tx.getUnitOfWork().getIdentityMap()) {
      if (!isAggregateRoot(entity)) continue;
      for (const event of entity.pullEvents()) {
        const env = envelope(event, this.producer, meta);
        tx.persist(new OutboxMessage(env.id, this.stream, env.type, JSON.stringify(env)));
        staged += 1;
      }
    }
    if (staged > 0) await tx.flush();
    return staged;
  }
}
