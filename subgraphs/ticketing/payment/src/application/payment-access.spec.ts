import type { Caller, Identity } from '@supergraph/kernel';
import { admin, customer, domainErrorOf, organizer } from '@supergraph/testing';
import { requireBookingContext, requirePayer } from './payment-access';

const as = (identity: Identity | null): Caller => ({ kind: 'router', identity });
const service = (name: string): Caller => ({ kind: 'service', service: name });
const alicesPayment = { id: 'p1', customerId: 'alice' };

describe('payment access', () => {
  it('takes approvals only from the booking context’s service credential', () => {
    expect(() => requireBookingContext(service('booking'))).not.toThrow();
    for (const caller of [service('ticket'), as(admin()), as(customer('alice')), as(null)]) {
      expect(domainErrorOf(() => requireBookingContext(caller))).toEqual(['FORBIDDEN', undefined]);
    }
  });

  it('shows a payment to its payer and admin only', () => {
    expect(() => requirePayer(as(customer('alice')), alicesPayment)).not.toThrow();
    expect(() => requirePayer(as(admin()), alicesPayment)).not.toThrow();
    expect(domainErrorOf(() => requirePayer(as(customer('bob')), alicesPayment))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requirePayer(as(organizer('olga')), alicesPayment))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requirePayer(as(null), alicesPayment))).toEqual(['UNAUTHENTICATED', undefined]);
    expect(domainErrorOf(() => requirePayer(service('booking'), alicesPayment))).toEqual(['UNAUTHENTICATED', undefined]);
  });
});
