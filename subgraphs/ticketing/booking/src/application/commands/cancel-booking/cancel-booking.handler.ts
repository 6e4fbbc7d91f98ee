import { EntityManager, LockMode } from '@mikro-orm/core';
import { Caller, EventMeta, requireUser, UnitOfWork } from '@supergraph/kernel';
import { notFound } from '@supergraph/kernel/domain';
import { Booking } from '../../../domain/booking';
import { TicketInventory } from '../../../domain/ticket-inventory';
import { requireCanceller } from '../../booking-access';

/**
 * `cancelBooking` (SPEC.md 1.9, 1.13): BOOKED → CANCELED, its seats go back to the ticket, and
 * `BookingCanceled` (reason `CUSTOMER`) is staged; payment cancels the payment on it (async).
 * Locks the inventory row, then the booking row (the order every writer uses), so concurrent
 * cancellations of one booking give its seats back once. Only the booking's customer or admin
 * may (`requireCanceller`). Throws `UNAUTHENTICATED` (before looking it up), `NOT_FOUND`,
 * `FORBIDDEN` (someone else's booking; nothing changes), or `CONFLICT` when it is already canceled.
 */
export class CancelBookingHandler {
  constructor(private readonly uow: UnitOfWork) {}

  async execute(em: EntityManager, meta: EventMeta, caller: Caller, id: string): Promise<Booking> {
    requireUser(caller);
    return this.uow.run(em, meta, async (tx) => {
      const found = await tx.findOne(Booking, { id });
      if (!found) throw notFound('booking', id);
      requireCanceller(caller, found);
      const ticket = await tx.findOneOrFail(TicketInventory, { id: found.ticketId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const booking = await tx.findOneOrFail(Booking, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      booking.cancel(ticket, 'CUSTOMER');
      return booking;
    });
  }
}
