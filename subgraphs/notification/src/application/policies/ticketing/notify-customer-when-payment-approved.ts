import type { PaymentApproved } from '@supergraph/contracts';
import { krw } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

/** SPEC.md 1.6: the customer learns the payment went through, e.g. "Payment approved: 100,000 KRW for booking b-1". */
export const notifyCustomerWhenPaymentApproved: NotificationPolicy<PaymentApproved> = (payment) => [
  { recipientId: payment.customerId, message: `Payment approved: ${krw(payment.amount)} for booking ${payment.bookingId}`, about: payment.bookingId },
];
