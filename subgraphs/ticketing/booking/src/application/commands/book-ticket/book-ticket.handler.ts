import { EntityManager, LockMode } from '@mikro-orm/core';
import { EventMeta, Logger, newId, UnitOfWork } from '@supergraph/kernel';
import { DomainError, notFound } from '@supergraph/kernel/domain';
import { BookTicket, Booking } from '../../../domain/booking';
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
 * `PAYMENT_UNAVAILABLE` when payment is slow, down or its breaker is open. `cancel` cancels the
 * booking's payment if it has one (idempotent).
 */
export interface PaymentPort {
  approve(request: PaymentRequest): Promise<void>;
  cancel(bookingId: string): Promise<void>;
}

/**
 * `bookTicket` (SPEC.md 1.4, 1.5, 1.13): a booking exists only if its payment was approved.
 * 1. Validates the input and checks the ticket replica: `BAD_USER_INPUT` (`input.customerId`,
 *    `input.quantity` 1..10), `NOT_FOUND` (booking has not heard of the ticket), `CONFLICT`
 *    (not on sale), `SOLD_OUT`.
 * 2. Calls payment synchronously for price × quantity KRW with the new booking's id as
 *    idempotency key: `PAYMENT_DECLINED` / `PAYMENT_UNAVAILABLE` write nothing.
 * 3. In one transaction: locks the ticket's inventory row (pessimistic write), re-checks it,
 *    inserts the booking, takes the seats and stages `TicketBooked`.
 * If step 3 fails (e.g. the last seat went meanwhile: `SOLD_OUT`) the approved payment is
 * canceled before the error is rethrown. When payment was unavailable the outcome of the call is
 * unknown (a timeout may hide an approval), so a cancellation is sent too, without waiting for it.
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
      if (error instanceof DomainError && error.code === 'PAYMENT_UNAVAILABLE') void this.compensate(bookingId);
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
      await this.compensate(bookingId);
      throw error;
    }
  }

  /** Cancels the payment of a booking that will not exist; a failure is logged with the booking id for follow-up. */
  private async compensate(bookingId: string): Promise<void> {
    try {
      await this.payments.cancel(bookingId);
    } catch (error) {
      this.logger.error({ err: error, bookingId }, 'could not cancel the payment of a booking that was not written');
    }
  }
}
