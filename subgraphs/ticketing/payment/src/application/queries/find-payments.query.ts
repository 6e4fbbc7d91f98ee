import type { EntityManager } from '@mikro-orm/core';
import DataLoader from 'dataloader';
import { uniqueLoader } from '@supergraph/kernel';
import { Payment } from '../../domain/payment';

/**
 * Payments as clients see them (SPEC.md 1.4, 1.8, 1.9) by `key`: `id` (`payment`, `Payment`
 * references) or `bookingId` (`Booking.payment`), batched per request so `_entities` never does
 * N+1. A `VOIDED` booking (abandoned before any approval) is not a payment: null, as for none.
 */
export function paymentLoader(em: EntityManager, key: 'id' | 'bookingId'): DataLoader<string, Payment | null> {
  const rows = uniqueLoader(em, Payment, key);
  return new DataLoader(async (keys) => (await rows.loadMany(keys)).map((row) => (row instanceof Payment && row.isVoided() ? null : row)));
}
