import type DataLoader from 'dataloader';
import type { RequestContext } from '@supergraph/kernel';
import type { ApprovePaymentHandler } from '../application/commands/approve-payment/approve-payment.handler';
import type { Payment } from '../domain/payment';

/** A `Booking` entity reference as the router sends it; payment only knows its id. */
export interface BookingReference {
  id: string;
}

/** Per-request context of the payment subgraph: the kernel's base, command handlers and loaders. */
export interface PaymentContext extends RequestContext {
  approvePayment: ApprovePaymentHandler;
  /** Payments by id, batched for `_entities`; null for none and for a `VOIDED` booking. */
  payments: DataLoader<string, Payment | null>;
  /** Payments by booking id (`Booking.payment`), batched; null for none and for a `VOIDED` booking. */
  paymentsByBooking: DataLoader<string, Payment | null>;
}
