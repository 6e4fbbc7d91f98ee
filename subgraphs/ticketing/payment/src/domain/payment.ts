import { AggregateRoot, DomainError, ensure, krw } from '@supergraph/kernel/domain';
import type { PaymentApproved, PaymentCanceled } from '@supergraph/contracts';

/** `APPROVED` until canceled (SPEC.md 1.9, 1.10); `CANCELED` is final. */
export type PaymentStatus = 'APPROVED' | 'CANCELED';

/** What the booking context asks payment to approve (internal `ApprovePaymentInput`). */
export interface ApprovePayment {
  /** The booking being paid: the idempotency key (one payment per booking). */
  bookingId: string;
  customerId: string;
  /** Whole KRW, 1..the per-payment limit. */
  amount: number;
}

/** Default per-payment limit in whole KRW (CONTRACT.md: env `PAYMENT_LIMIT_KRW`, default 10,000,000). */
export const DEFAULT_PAYMENT_LIMIT_KRW = 10_000_000;

/** Largest amount a GraphQL `Int` can carry, whole KRW. */
export const MAX_AMOUNT_KRW = 2_147_483_647;

/**
 * Payment aggregate (SPEC.md 1.4, 1.9): one payment per booking. `approve` raises
 * `PaymentApproved`; `cancel` raises `PaymentCanceled` once. An amount above the per-payment
 * limit is declined (`PAYMENT_DECLINED`) before anything exists.
 */
export class Payment extends AggregateRoot {
  status: PaymentStatus = 'APPROVED';
  canceledAt: Date | null = null;

  private constructor(
    readonly id: string,
    readonly bookingId: string,
    readonly customerId: string,
    /** Whole KRW. */
    readonly amount: number,
    readonly approvedAt: Date,
  ) {
    super();
  }

  protected get aggregateType(): string {
    return 'Payment';
  }

  /**
   * Approves a booking's payment; raises `PaymentApproved`.
   * Throws `BAD_USER_INPUT` naming the field (`input.bookingId`, `input.customerId`,
   * `input.amount` outside 1..2147483647), or `PAYMENT_DECLINED` when `amount` exceeds
   * `limitKrw` (whole KRW).
   */
  static approve(id: string, input: ApprovePayment, limitKrw: number = DEFAULT_PAYMENT_LIMIT_KRW, now: Date = new Date()): Payment {
    const bookingId = ensure.id('input.bookingId', input.bookingId);
    const customerId = ensure.id('input.customerId', input.customerId);
    const amount = ensure.intInRange('input.amount', input.amount, 1, MAX_AMOUNT_KRW);
    if (amount > limitKrw) throw new DomainError('PAYMENT_DECLINED', `payment declined: ${krw(amount)} is above the per-payment limit of ${krw(limitKrw)}`);
    const payment = new Payment(id, bookingId, customerId, amount, now);
    payment.raise<PaymentApproved>('PaymentApproved', { paymentId: id, bookingId, customerId, amount, approvedAt: now.toISOString() });
    return payment;
  }

  /**
   * Idempotency check for a repeated approval of the same booking: the request must be the
   * one this payment was approved for. Throws `CONFLICT` when amount or customer differ.
   */
  assertSameRequest(input: ApprovePayment): void {
    if (input.amount !== this.amount || input.customerId !== this.customerId) {
      throw new DomainError('CONFLICT', `booking ${this.bookingId} already has a payment of ${this.amount} KRW for another request`);
    }
  }

  /**
   * Cancels the payment (SPEC.md 1.9, 1.10); raises `PaymentCanceled` the first time.
   * Canceling a canceled payment changes nothing and raises nothing (compensations and
   * policies may repeat). Returns true when this call canceled it.
   */
  cancel(now: Date = new Date()): boolean {
    if (this.status === 'CANCELED') return false;
    this.status = 'CANCELED';
    this.canceledAt = now;
    this.raise<PaymentCanceled>('PaymentCanceled', {
      paymentId: this.id,
      bookingId: this.bookingId,
      customerId: this.customerId,
      amount: this.amount,
      canceledAt: now.toISOString(),
    });
    return true;
  }
}
