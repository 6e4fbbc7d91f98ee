import type { Caller, Identity } from '@supergraph/kernel';
import { admin, customer, domainErrorOf, organizer } from '@supergraph/testing';
import type { Booking } from '../domain/booking';
import { bookingsFilter, customerOfNewBooking, requireBookingReader, requireCanceller, seesAllBookingsOf, visibleBookings } from './booking-access';

const as = (identity: Identity | null): Caller => ({ kind: 'router', identity });
const anonymous = as(null);
const payment: Caller = { kind: 'service', service: 'payment' };
const alice = as(customer('alice'));
const bob = as(customer('bob'));
const olga = as(organizer('olga'));
const oscar = as(organizer('oscar'));
const root = as(admin());
/** Bookings of a ticket organized by olga (the rules read only their id and customer). */
const alices = { id: 'b1', customerId: 'alice' } as Booking;
const bobs = { id: 'b2', customerId: 'bob' } as Booking;

describe('booking access', () => {
  it('books for the calling customer by default; only admin books for someone else; organizers may not book', () => {
    expect(customerOfNewBooking(alice, undefined)).toBe('alice');
    expect(customerOfNewBooking(alice, 'alice')).toBe('alice');
    expect(customerOfNewBooking(root, 'bob')).toBe('bob');
    expect(domainErrorOf(() => customerOfNewBooking(alice, 'bob'))).toEqual(['FORBIDDEN', 'input.customerId']);
    expect(domainErrorOf(() => customerOfNewBooking(olga, undefined))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => customerOfNewBooking(anonymous, 'alice'))).toEqual(['UNAUTHENTICATED', undefined]);
    expect(domainErrorOf(() => customerOfNewBooking(payment, 'alice'))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('lets a booking’s customer or admin cancel it, nobody else (not even the ticket’s organizer)', () => {
    expect(() => requireCanceller(alice, alices)).not.toThrow();
    expect(() => requireCanceller(root, alices)).not.toThrow();
    expect(domainErrorOf(() => requireCanceller(bob, alices))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireCanceller(olga, alices))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireCanceller(anonymous, alices))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('shows a booking to its customer, the organizer of its ticket and admin', () => {
    for (const reader of [alice, olga, root]) expect(() => requireBookingReader(reader, alices, 'olga')).not.toThrow();
    expect(() => requireBookingReader(root, alices, null)).not.toThrow();
    expect(domainErrorOf(() => requireBookingReader(bob, alices, 'olga'))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireBookingReader(oscar, alices, 'olga'))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireBookingReader(olga, alices, null))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireBookingReader(anonymous, alices, 'olga'))).toEqual(['UNAUTHENTICATED', undefined]);
    expect(domainErrorOf(() => requireBookingReader(payment, alices, 'olga'))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('lets the organizer of a ticket and admin see all its bookings', () => {
    expect([olga, root, oscar, alice, anonymous].map((caller) => seesAllBookingsOf(caller, 'olga'))).toEqual([true, true, false, false, false]);
    expect([olga, root].map((caller) => seesAllBookingsOf(caller, null))).toEqual([false, true]);
  });

  it('lists the caller’s own bookings when no filter is given, and someone else’s only for admin', () => {
    expect(bookingsFilter(alice, {}, null)).toEqual({ customerId: 'alice' });
    expect(bookingsFilter(alice, { customerId: 'alice' }, null)).toEqual({ customerId: 'alice' });
    expect(bookingsFilter(root, { customerId: 'bob' }, null)).toEqual({ customerId: 'bob' });
    expect(bookingsFilter(olga, {}, null)).toEqual({ customerId: 'olga' });
    expect(domainErrorOf(() => bookingsFilter(alice, { customerId: 'bob' }, null))).toEqual(['FORBIDDEN', 'customerId']);
    expect(domainErrorOf(() => bookingsFilter(anonymous, {}, null))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('lists every booking of a ticket for its organizer and admin, only their own for anyone else', () => {
    expect(bookingsFilter(olga, { ticketId: 't1' }, 'olga')).toEqual({ ticketId: 't1' });
    expect(bookingsFilter(olga, { ticketId: 't1', customerId: 'bob' }, 'olga')).toEqual({ ticketId: 't1', customerId: 'bob' });
    expect(bookingsFilter(root, { ticketId: 't1' }, 'olga')).toEqual({ ticketId: 't1' });
    expect(bookingsFilter(alice, { ticketId: 't1' }, 'olga')).toEqual({ ticketId: 't1', customerId: 'alice' });
    expect(bookingsFilter(oscar, { ticketId: 't1' }, 'olga')).toEqual({ ticketId: 't1', customerId: 'oscar' });
    expect(domainErrorOf(() => bookingsFilter(alice, { ticketId: 't1', customerId: 'bob' }, 'olga'))).toEqual(['FORBIDDEN', 'customerId']);
    expect(domainErrorOf(() => bookingsFilter(oscar, { ticketId: 't1', customerId: 'bob' }, 'olga'))).toEqual(['FORBIDDEN', 'customerId']);
  });

  it('shows a ticket’s bookings: all to its organizer and admin, a customer’s own to them, UNAUTHENTICATED to anonymous clients', () => {
    expect(visibleBookings(olga, 'olga', [bobs, alices])).toEqual([bobs, alices]);
    expect(visibleBookings(root, 'olga', [bobs, alices])).toEqual([bobs, alices]);
    expect(visibleBookings(alice, 'olga', [bobs, alices])).toEqual([alices]);
    expect(visibleBookings(oscar, 'olga', [bobs, alices])).toEqual([]);
    expect(domainErrorOf(() => visibleBookings(anonymous, 'olga', [bobs, alices]))).toEqual(['UNAUTHENTICATED', undefined]);
  });
});
