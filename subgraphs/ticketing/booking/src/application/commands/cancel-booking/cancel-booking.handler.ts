import { EntityManager, LockMode } from '@mikro-orm/core';
import { EventMeta, UnitOfWork } from '@supergraph/kernel';
import { notFound } from '@supergraph/kernel/domain';
import { Booking } from '../../../domain/booking';
import { TicketInventory } from '../../../domain/ticket-inventory';

/**
 * `cancelBooking` (SPEC.md 1.9, 1.13): BOOKED → CANCELED, its seats go back to the ticket, and
 * `BookingCanceled` (reason `CUSTOMER`) is staged; payment cancels the payment on it (async).
 * Locks the inventory row, then the booking row (the order every writer uses), so concurrent
 * cancellations of one booking give its seats back once. Throws `NOT_FOUND`, or `CONFLICT`
 * when it is already canceled.
 */
export class CancelBookingHandler {
  constructor(private readonly uow: UnitOfWork) {}

  execute(em: EntityManager, meta: EventMeta, id: string): Promise<Booking> {
    return this.uow.run(em, meta, async (tx) => {
      const found = await tx.findOne(Booking, { id });
      if (!found) throw notFound('booking', id);
      const ticket = await tx.findOneOrFail(TicketInventory, { id: found.ticketId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
      const booking = await tx.findOneOrFail(Booking, { id }, { lockMode: LockMode.PESSIMISTIC_WRITE, refresh: true });
      booking.cancel(ticket, 'CUSTOMER');
      return booking;
    });
  }
}
