import { AggregateRoot, DomainError, ensure, krw } from '@supergraph/kernel/domain';
import type { BookingAbandoned, PaymentApproved, PaymentCanceled } from '@supergraph/contracts';

/**
 * `APPROVED` until canceled (SPEC.md 1.9, 1.10); `CANCELED` is final. `VOIDED` marks a booking
 * abandoned before any approval of it (SPEC.md 1.4, 1.5): not a payment, only the refusal of a
 * late approval; final, and never shown to clients.
 */
export type PaymentStatus = 'APPROVED' | 'CANCELED' | 'VOIDED';

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
 * Payment aggregate (SPEC.md 1.4, 1.9): one payment per booking (the store keeps `bookingId`
 * unique). `approve` raises `PaymentApproved`; `cancel` raises `PaymentCanceled` once. An amount
 * above the per-payment limit is declined (`PAYMENT_DECLINED`) before anything exists. A booking
 * abandoned before its approval gets a `VOIDED` row instead (`voidAbandoned`), so that a late
 * approval of it is refused: the approval and the void compete for the same unique `bookingId`,
 * and whichever commits first decides.
 */
export class Payment extends AggregateRoot {
  status: PaymentStatus = 'APPROVED';
  /** When it was canceled, or voided. */
  canceledAt: Date | null = null;

  private constructor(
    readonly id: string,
    readonly bookingId: string,
    readonly customerId: string,
    /** Whole KRW. */
    readonly amount: number,
    /** Null only for a `VOIDED` booking: it was never approved. */
    readonly approvedAt: Date | null,
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
   * Closes the payment of a booking that booking abandoned before any approval of it (SPEC.md
   * 1.4, 1.5): a `VOIDED` row (no event: nothing happened to the customer's money) that makes
   * every later approval of `booking.bookingId` fail with `PAYMENT_DECLINED`. Keeps the
   * customer and amount (whole KRW) booking had asked to approve, for the record.
   */
  static voidAbandoned(id: string, booking: Pick<BookingAbandoned, 'bookingId' | 'customerId' | 'amount'>, now: Date = new Date()): Payment {
    const payment = new Payment(id, booking.bookingId, booking.customerId, booking.amount, null);
    payment.status = 'VOIDED';
    payment.canceledAt = now;
    return payment;
  }

  /** True for a `VOIDED` booking: not a payment, so clients never see it (only approved, maybe canceled, payments). */
  isVoided(): boolean {
    return this.status === 'VOIDED';
  }

  /**
   * Idempotency check for a repeated approval of the same booking: the request must be the
   * one this payment was approved for. Throws `PAYMENT_DECLINED` when the booking was abandoned
   * before any approval (`VOIDED`), `CONFLICT` when amount or customer differ.
   */
  assertSameRequest(input: ApprovePayment): void {
    if (this.status === 'VOIDED') {
      throw new DomainError('PAYMENT_DECLINED', `payment declined: booking ${this.bookingId} was abandoned and will never be written`);
    }
    if (input.amount !== this.amount || input.customerId !== this.customerId) {
      throw new DomainError('CONFLICT', `booking ${this.bookingId} already has a payment of ${this.amount} KRW for another request`);
    }
  }

  /**
   * Cancels an approved payment (SPEC.md 1.9, 1.10; 1.4 for an abandoned booking); raises
   * `PaymentCanceled` the first time. Canceling a canceled payment, or a `VOIDED` booking,
   * changes nothing and raises nothing (policies may repeat). Returns true when this call
   * canceled it.
   */
  cancel(now: Date = new Date()): boolean {
    if (this.status !== 'APPROVED') return false;
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
