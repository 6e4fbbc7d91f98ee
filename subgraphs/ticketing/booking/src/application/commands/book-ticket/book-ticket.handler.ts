import type { EntityManager } from '@mikro-orm/core';
import type { AbandonReason } from '@supergraph/contracts';
import { Caller, EventMeta, Logger, newId, ServiceUnavailableError, UnitOfWork } from '@supergraph/kernel';
import { DomainError } from '@supergraph/kernel/domain';
import { BookTicket, Booking } from '../../../domain/booking';
import { SeatHold } from '../../../domain/seat-hold';
import { customerOfNewBooking } from '../../booking-access';
import { lockHold, lockInventory, releaseHold } from '../../seat-holds';

/** `bookTicket` input as it arrives: `customerId` is optional and defaults to the caller. */
export type BookTicketCommand = Omit<BookTicket, 'customerId'> & { customerId?: string | null };

/** What booking asks payment to approve: `bookingId` is the idempotency key. */
export interface PaymentRequest {
  bookingId: string;
  customerId: string;
  /** Whole KRW. */
  amount: number;
}

/**
 * The payment context as booking sees it (implemented by `PaymentClient`, a sync call).
 * `approve` resolves only when the payment is approved, in the flow of `meta` (payment's
 * `PaymentApproved` carries `meta.correlationId`). It throws `PAYMENT_DECLINED` (or another
 * business answer of payment), or `PAYMENT_UNAVAILABLE` when payment is slow, down or its breaker
 * is open: a `ServiceUnavailableError` says whether the call may have reached payment
 * (`outcomeUnknown`). Undoing an approval is not a call: it goes through `BookingAbandoned`.
 */
export interface PaymentPort {
  approve(request: PaymentRequest, meta: EventMeta): Promise<void>;
}

/** How long `bookTicket` holds seats while payment approves. */
export interface BookTicketOptions {
  /** Lifetime of a seat hold, ms (`SEAT_HOLD_TTL_MS`); longer than any payment call. */
  holdTtlMs: number;
}

/**
 * True when payment may have approved (or may still approve) a booking whose `approve` call
 * failed with `error`: its outcome is unknown (timeout, failure after sending; a bare
 * `PAYMENT_UNAVAILABLE`; anything unexpected). False for an answer of payment (`PAYMENT_DECLINED`,
 * `CONFLICT`, `BAD_USER_INPUT`) and for a call that never left (breaker open, connection refused).
 */
function mayHaveApproved(error: unknown): boolean {
  if (error instanceof ServiceUnavailableError) return error.outcomeUnknown;
  return !(error instanceof DomainError) || error.code === 'PAYMENT_UNAVAILABLE';
}

/**
 * `bookTicket` (SPEC.md 1.4, 1.5, 1.13): reserve first, then pay. A booking exists only if its
 * payment was approved, and a customer is only charged for seats that are theirs.
 * 0. Authorizes the caller before anything else (`customerOfNewBooking`): a customer books for
 *    themselves (`input.customerId` defaults to them), admin for anyone; `UNAUTHENTICATED`
 *    (anonymous), `FORBIDDEN` (an organizer; someone else's `input.customerId`).
 * 1. Validates the input: `BAD_USER_INPUT` (`input.customerId`, `input.quantity` 1..10).
 * 2. Transaction 1, the ticket's inventory row locked: re-checks it and holds the seats in a
 *    `SeatHold` whose id is the new booking's id: `NOT_FOUND` (booking has not heard of the
 *    ticket), `CONFLICT` (not on sale), `SOLD_OUT`, `BAD_USER_INPUT` (`input.quantity`: amount
 *    above a GraphQL Int). No booking exists yet and no event is staged.
 * 3. Calls payment synchronously for price × quantity KRW, the booking id as idempotency key and
 *    the request's correlation id (`x-correlation-id`).
 * 4. Transaction 2: turns the hold into the BOOKED `Booking` and stages `TicketBooked`. Fails with
 *    `CONFLICT` when the deletion saga released the hold meanwhile (ticket deleted), or
 *    `PAYMENT_UNAVAILABLE` when payment answered after the hold expired and was swept.
 *
 * When payment does not approve (step 3 throws), or step 4 fails, a compensating transaction
 * releases the hold (seats back) before the original error is rethrown. Whenever payment may have
 * approved — the call's outcome is unknown (`PAYMENT_UNAVAILABLE` after it may have reached
 * payment), or step 4 failed after an approval (`WRITE_FAILED`) — the release also records an
 * `AbandonedBooking` (`BookingAbandoned` in the outbox), on which payment voids the approval,
 * however long it is down. A declined payment, or a call that never reached payment (breaker
 * open, connection refused), only releases. So clients still see "a failed mutation writes
 * nothing": the hold is internal and gone when the error returns; only `Ticket.seatsLeft` counts
 * its seats as taken while payment is asked. Should booking stop or its store fail between the
 * steps, the hold stays until `SEAT_HOLD_TTL_MS` passed; then the sweeper releases it and records
 * it abandoned (`HOLD_EXPIRED`): no seat leaks and no charge stays without a booking.
 */
export class BookTicketHandler {
  constructor(
    private readonly uow: UnitOfWork,
    private readonly payments: PaymentPort,
    private readonly logger: Logger,
    private readonly options: BookTicketOptions,
  ) {}

  async execute(em: EntityManager, meta: EventMeta, caller: Caller, input: BookTicketCommand): Promise<Booking> {
    const request = Booking.request({ ...input, customerId: customerOfNewBooking(caller, input.customerId) });
    const hold = await this.uow.run(em, meta, async (tx) => {
      const taken = SeatHold.take(newId(), await lockInventory(tx, request.ticketId), request, { ttlMs: this.options.holdTtlMs, correlationId: meta.correlationId });
      tx.persist(taken);
      return taken;
    });

    try {
      await this.payments.approve({ bookingId: hold.id, customerId: hold.customerId, amount: hold.amount }, meta);
    } catch (error) {
      await this.release(em, meta, hold, mayHaveApproved(error) ? 'PAYMENT_UNAVAILABLE' : null);
      throw error;
    }

    try {
      return await this.uow.run(em, meta, async (tx) => {
        const ticket = await lockInventory(tx, hold.ticketId);
        const held = await lockHold(tx, hold.id);
        if (!held) throw SeatHold.released(hold.id, ticket);
        const booking = Booking.confirm(held, ticket);
        tx.remove(held);
        tx.persist(booking);
        return booking;
      });
    } catch (error) {
      await this.release(em, meta, hold, 'WRITE_FAILED');
      throw error;
    }
  }

  /**
   * Compensation: releases `hold` in a transaction of its own, recording it abandoned for
   * `reason` when given (see the class). A hold already gone was released by the sweeper or the
   * deletion saga (which recorded its abandonment) or turned into its booking: nothing to do.
   * Never throws: a failure is logged with the booking id, and the sweeper releases the hold once
   * it expired.
   */
  private async release(em: EntityManager, meta: EventMeta, hold: SeatHold, reason: AbandonReason | null): Promise<void> {
    try {
      await this.uow.run(em, meta, async (tx) => {
        const ticket = await lockInventory(tx, hold.ticketId);
        const held = await lockHold(tx, hold.id);
        if (held) releaseHold(tx, held, ticket, reason);
      });
    } catch (error) {
      this.logger.error({ err: error, bookingId: hold.id, reason }, 'could not release a seat hold: the sweeper releases it (and records it abandoned) once it expires');
    }
  }
}
