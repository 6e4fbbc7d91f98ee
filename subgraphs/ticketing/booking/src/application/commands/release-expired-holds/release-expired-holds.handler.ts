import type { EntityManager } from '@mikro-orm/core';
import type { UnitOfWork } from '@supergraph/kernel';
import { SeatHold } from '../../../domain/seat-hold';
import { lockHold, lockInventory, releaseHold } from '../../seat-holds';

/** Holds the sweeper reads per query; it reads again until none is left. */
const PAGE_SIZE = 100;

/**
 * The sweeper's command (SPEC.md 1.4, 1.13): releases every seat hold whose `expiresAt` has
 * passed — left by a booking that stopped, or whose store failed, between holding the seats and
 * booking them (see `BookTicketHandler`). Each release is a transaction of its own (inventory row
 * locked, then the hold: a replica's sweep, the booking it was for and the deletion saga never
 * release one twice), in the flow of the request that took the hold. Whether payment approved
 * such a booking cannot be known, so each release records it abandoned (`HOLD_EXPIRED`): payment
 * voids the approval, if any. Run by `HoldSweeper` every `SEAT_HOLD_SWEEP_INTERVAL_MS`.
 */
export class ReleaseExpiredHoldsHandler {
  constructor(private readonly uow: UnitOfWork) {}

  /** Releases the holds expired at `now`; returns how many it released. */
  async execute(em: EntityManager, now: Date = new Date()): Promise<number> {
    let released = 0;
    for (;;) {
      const expired = await em.fork().find(SeatHold, { expiresAt: { $lte: now } }, { orderBy: { expiresAt: 'asc' }, limit: PAGE_SIZE });
      for (const candidate of expired) {
        const meta = { correlationId: candidate.correlationId, causationId: null };
        const done = await this.uow.run(em, meta, async (tx) => {
          const ticket = await lockInventory(tx, candidate.ticketId);
          const hold = await lockHold(tx, candidate.id);
          if (hold) releaseHold(tx, hold, ticket, 'HOLD_EXPIRED');
          return hold !== null;
        });
        if (done) released += 1;
      }
      if (expired.length < PAGE_SIZE) return released;
    }
  }
}
