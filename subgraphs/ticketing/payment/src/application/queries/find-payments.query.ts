import type { EntityManager } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { Caller, requireUser, uniqueLoader } from '@supergraph/kernel';
import { Payment } from '../../domain/payment';
import { requirePayer } from '../payment-access';

/**
 * Payments as clients see them (SPEC.md 1.4, 1.8, 1.9) by `key`: `id` (`payment`, `Payment`
 * references) or `bookingId` (`Booking.payment`), batched per request so `_entities` never does
 * N+1. A `VOIDED` booking (abandoned before any approval) is not a payment: null, as for none.
 */
export function paymentLoader(em: EntityManager, key: 'id' | 'bookingId'): DataLoader<string, Payment | null> {
  const rows = uniqueLoader(em, Payment, key);
  return new DataLoader(async (keys) => (await rows.loadMany(keys)).map((row) => (row instanceof Payment && row.isVoided() ? null : row)));
}

/**
 * The payment `payments` (a `paymentLoader`) finds for `key`, or null when there is none:
 * `payment(id)`, `Payment` references, `Booking.payment`. Only its payer or admin may see it.
 * Throws `UNAUTHENTICATED` (before looking anything up) or `FORBIDDEN`.
 */
export async function findPayment(caller: Caller, payments: Pick<DataLoader<string, Payment | null>, 'load'>, key: string): Promise<Payment | null> {
  requireUser(caller);
  const payment = await payments.load(key);
  if (payment) requirePayer(caller, payment);
  return payment;
}
