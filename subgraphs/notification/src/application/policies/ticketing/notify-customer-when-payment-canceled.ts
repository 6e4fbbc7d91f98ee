import type { PaymentCanceled } from '@supergraph/contracts';
import { krw } from '../../../domain/wording';
import type { NotificationPolicy } from '../notification-policy';

/** SPEC.md 1.9: the customer learns the payment was canceled, e.g. "Payment canceled: 100,000 KRW for booking b-1". */
export const notifyCustomerWhenPaymentCanceled: NotificationPolicy<PaymentCanceled> = (payment) => [
  { recipientId: payment.customerId, message: `Payment canceled: ${krw(payment.amount)} for booking ${payment.bookingId}`, about: payment.bookingId },
];
