import { EntityManager, LockMode } from '@mikro-orm/core';
import { EventMeta, Logger, newId, UnitOfWork } from '@supergraph/kernel';
import { DomainError, notFound } from '@supergraph/kernel/domain';
import { AbandonedBooking } from '../../../domain/abandoned-booking';
import { BookTicket, Booking, BookingRequest } from '../../../domain/booking';
import { TicketInventory } from '../../../domain/ticket-inventory';

/** What booking asks payment to approve: `bookingId` is the idempotency key. */
export interface PaymentRequest {
  bookingId: string;
  customerId: string;
  /** Whole KRW. */
  amount: number;
}

/**
 * The payment context as booking sees it (implemented by `PaymentClient`, a sync call).
 * `approve` resolves only when the payment is approved; it throws `PAYMENT_DECLINED`, or
 * `PAYMENT_UNAVAILABLE` when payment is slow, down or its breaker is open. Undoing an approval
 * is not a call: it goes through the `BookingAbandoned` event.
 */
export interface PaymentPort {
  approve(request: PaymentRequest): Promise<void>;
}

/**
 * `bookTicket` (SPEC.md 1.4, 1.5, 1.13): a booking exists only if its payment was approved.
 * 1. Validates the input and checks the ticket replica: `BAD_USER_INPUT` (`input.customerId`,
 *    `input.quantity` 1..10), `NOT_FOUND` (booking has not heard of the ticket), `CONFLICT`
 *    (not on sale), `SOLD_OUT`.
 * 2. Calls payment synchronously for price × quantity KRW with the new booking's id as
 *    idempotency key: `PAYMENT_DECLINED` writes nothing.
 * 3. In one transaction: locks the ticket's inventory row (pessimistic write), re-checks it,
 *    inserts the booking, takes the seats and stages `TicketBooked`.
 *
 * Whenever payment may have approved but the booking will not exist — step 2 failed with
 * `PAYMENT_UNAVAILABLE` (a timeout may hide an approval, or one may still commit), or step 3
 * failed after the approval (e.g. the last seat went meanwhile: `SOLD_OUT`) — an
 * `AbandonedBooking` is recorded in a transaction of its own, staging `BookingAbandoned` in the
 * outbox, before the original error is rethrown: payment then voids the approval, however long
 * it is down. The one remaining gap is a double failure: when booking's own store cannot record
 * the abandonment either, an error naming the booking id is logged for follow-up (its approval,
 * if any, stays until someone cancels it).
 */
export class BookTicketHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly payments: PaymentPort,
    private readonly logger: Logger,
  ) {}

  async execute(em: EntityManager, meta: EventMeta, input: BookTicket): Promise<Booking> {
    const request = Booking.request(input);
    const ticket = await em.fork().findOne(TicketInventory, { id: request.ticketId });
    if (!ticket) throw notFound('ticket', request.ticketId);
    ticket.ensureBookable(request.quantity);
    const bookingId = newId();
    const amount = ticket.amountFor(request.quantity);

    try {
      await this.payments.approve({ bookingId, customerId: request.customerId, amount });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'PAYMENT_UNAVAILABLE') await this.abandon(em, meta, bookingId, ticket, request, error);
      throw error;
    }

    try {
      return await this.uow.run(em, meta, async (tx) => {
        const locked = await tx.findOneOrFail(
          TicketInventory,
          { id: request.ticketId },
          { lockMode: LockMode.PESSIMISTIC_WRITE, failHandler: () => notFound('ticket', request.ticketId) },
        );
        const booking = Booking.book(bookingId, locked, request);
        tx.persist(booking);
        return booking;
      });
    } catch (error) {
      await this.abandon(em, meta, bookingId, ticket, request, error);
      throw error;
    }
  }

  /**
   * Records booking `bookingId` as abandoned because of `cause` (own unit of work, so
   * `BookingAbandoned` is durable in the outbox), unless the booking exists after all (a commit
   * whose acknowledgement was lost). Never throws: a failure is logged with the booking id.
   */
  private async abandon(em: EntityManager, meta: EventMeta, bookingId: string, ticket: TicketInventory, request: BookingRequest, cause: unknown): Promise<void> {
    const reason = AbandonedBooking.reasonFor(cause);
    try {
      await this.uow.run(em, meta, async (tx) => {
        if (await tx.findOne(Booking, { id: bookingId })) return;
        tx.persist(AbandonedBooking.record(bookingId, ticket, request, reason));
      });
    } catch (error) {
      this.logger.error({ err: error, bookingId, reason }, 'could not record an abandoned booking: its payment may stay approved without a booking');
    }
  }
}
