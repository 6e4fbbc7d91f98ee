import { EntityManager, UniqueConstraintViolationException } from '@mikro-orm/core';
import { Caller, EventMeta, newId, UnitOfWork } from '@supergraph/kernel';
import { ApprovePayment, Payment } from '../../../domain/payment';
import { requireBookingContext } from '../../payment-access';

/**
 * Approves a booking's payment and stages `PaymentApproved` in the same transaction
 * (SPEC.md 1.4; the booking context's sync call, and only that: any other caller, a client's
 * request through the router included, is `FORBIDDEN` before anything is read or written).
 * Idempotent by `bookingId`: a repeated approval returns the existing payment and never charges
 * twice, also when two approvals of the same booking race (the unique `bookingId` lets one
 * insert win, the other reads it). Throws `FORBIDDEN`, `BAD_USER_INPUT`, `PAYMENT_DECLINED`
 * (above `limitKrw`, or the booking was abandoned before this approval came: see
 * `voidPaymentWhenBookingAbandoned`; nothing written) or `CONFLICT` (the booking already has a
 * payment for another amount or customer). An approval racing the void of its booking meets it
 * on the unique `bookingId` too: one of them commits.
 */
export class ApprovePaymentHandler {
  constructor(
    private readonly uow: UnitOfWork,
    /** Per-payment limit, whole KRW (`PAYMENT_LIMIT_KRW`). */
    private readonly limitKrw: number,
  ) {}

  async execute(em: EntityManager, meta: EventMeta, caller: Caller, command: ApprovePayment): Promise<Payment> {
    requireBookingContext(caller);
    try {
      return await this.uow.run(em, meta, async (tx) => {
        const existing = await tx.findOne(Payment, { bookingId: command.bookingId });
        if (existing) {
          existing.assertSameRequest(command);
          return existing;
        }
        const payment = Payment.approve(newId(), command, this.limitKrw);
        tx.persist(payment);
        return payment;
      });
    } catch (error) {
      if (!(error instanceof UniqueConstraintViolationException)) throw error;
      const winner = await em.fork().findOneOrFail(Payment, { bookingId: command.bookingId });
      winner.assertSameRequest(command);
      return winner;
    }
  }
}
