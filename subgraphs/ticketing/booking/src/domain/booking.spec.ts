import type { TicketRegistered } from '@supergraph/contracts';
import { DomainError } from '@supergraph/kernel/domain';
import { domainErrorOf } from '@supergraph/testing';
import { AbandonedBooking } from './abandoned-booking';
import { BookTicket, Booking, BookingRequest } from './booking';
import { TicketInventory } from './ticket-inventory';

const registered: TicketRegistered = {
  ticketId: 't1',
  title: 'Swan Lake',
  venue: 'Seoul Arts Center',
  price: 50_000,
  seats: 5,
  organizerId: 'org-1',
  saleStartsAt: null,
  saleEndsAt: null,
  registeredAt: '2026-11-21T00:00:00.000Z',
};
const request: BookingRequest = { ticketId: 't1', customerId: 'c1', quantity: 2 };
const now = new Date('2026-12-01T00:00:00Z');


describe('Booking', () => {
  describe('request', () => {
    it('defaults quantity to 1 and trims ids', () => {
      expect(Booking.request({ ticketId: ' t1 ', customerId: 'c1' })).toEqual({ ticketId: 't1', customerId: 'c1', quantity: 1 });
      expect(Booking.request({ ticketId: 't1', customerId: 'c1', quantity: null }).quantity).toBe(1);
      expect(Booking.request({ ticketId: 't1', customerId: 'c1', quantity: 10 }).quantity).toBe(10);
    });

    it.each<[BookTicket, string]>([
      [{ ticketId: 't1', customerId: 'c1', quantity: 0 }, 'input.quantity'],
      [{ ticketId: 't1', customerId: 'c1', quantity: 11 }, 'input.quantity'],
      [{ ticketId: 't1', customerId: 'c1', quantity: 1.5 }, 'input.quantity'],
      [{ ticketId: 't1' }, 'input.customerId'],
      [{ ticketId: 't1', customerId: null }, 'input.customerId'],
      [{ ticketId: 't1', customerId: '  ' }, 'input.customerId'],
      [{ ticketId: '', customerId: 'c1' }, 'input.ticketId'],
    ])('rejects %p as BAD_USER_INPUT naming %s', (input, field) => {
      expect(domainErrorOf(() => Booking.request(input))).toEqual(['BAD_USER_INPUT', field]);
    });
  });

  it('books: takes the seats, amount = price × quantity, raises TicketBooked with organizer and title', () => {
    const ticket = TicketInventory.record(registered);
    const booking = Booking.book('b1', ticket, request, now);
    expect(booking).toMatchObject({ id: 'b1', ticketId: 't1', customerId: 'c1', quantity: 2, amount: 100_000, status: 'BOOKED', bookedAt: now, canceledAt: null, version: 1 });
    expect(ticket.seatsLeft).toBe(3);
    expect(booking.pullEvents()).toEqual([
      {
        type: 'TicketBooked',
        aggregateType: 'Booking',
        aggregateId: 'b1',
        aggregateVersion: 1,
        payload: { bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'c1', organizerId: 'org-1', quantity: 2, amount: 100_000, bookedAt: now.toISOString() },
      },
    ]);
  });

  it('does not book beyond the seats (SOLD_OUT) or a ticket not on sale (CONFLICT), leaving the seats as they were', () => {
    const ticket = TicketInventory.record({ ...registered, seats: 1 });
    expect(domainErrorOf(() => Booking.book('b1', ticket, request, now))).toEqual(['SOLD_OUT', undefined]);
    expect(ticket.seatsLeft).toBe(1);
    ticket.markDeleted(now);
    expect(domainErrorOf(() => Booking.book('b1', ticket, { ...request, quantity: 1 }, now))).toEqual(['CONFLICT', undefined]);
    expect(ticket.seatsLeft).toBe(1);
  });

  it('cancels once: frees the seats, raises BookingCanceled with the reason; a second cancel is CONFLICT', () => {
    const ticket = TicketInventory.record(registered);
    const booking = Booking.book('b1', ticket, request, now);
    booking.pullEvents();
    const later = new Date('2026-12-02T00:00:00Z');
    booking.cancel(ticket, 'CUSTOMER', later);
    expect(booking).toMatchObject({ status: 'CANCELED', canceledAt: later, cancellationReason: 'CUSTOMER', version: 2 });
    expect(ticket.seatsLeft).toBe(5);
    expect(booking.pullEvents()).toEqual([
      expect.objectContaining({
        type: 'BookingCanceled',
        aggregateVersion: 2,
        payload: { bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'c1', organizerId: 'org-1', quantity: 2, amount: 100_000, reason: 'CUSTOMER', canceledAt: later.toISOString() },
      }),
    ]);
    expect(domainErrorOf(() => booking.cancel(ticket, 'TICKET_DELETED', later))).toEqual(['CONFLICT', undefined]);
    expect(ticket.seatsLeft).toBe(5);
  });

  it('works only with the inventory of its own ticket', () => {
    const ticket = TicketInventory.record(registered);
    const other = TicketInventory.record({ ...registered, ticketId: 't2' });
    expect(() => Booking.book('b1', other, request, now)).toThrow('inventory t2 is not ticket t1');
    const booking = Booking.book('b1', ticket, request, now);
    expect(() => booking.cancel(other, 'CUSTOMER', now)).toThrow('inventory t2 is not ticket t1');
    expect(other.seatsLeft).toBe(5);
  });
});

describe('AbandonedBooking', () => {
  it('records the booking that will not exist and raises BookingAbandoned with the contract payload', () => {
    const ticket = TicketInventory.record(registered);
    const abandoned = AbandonedBooking.record('b1', ticket, request, 'SOLD_OUT', now);
    expect(abandoned).toMatchObject({ id: 'b1', ticketId: 't1', customerId: 'c1', quantity: 2, amount: 100_000, reason: 'SOLD_OUT', abandonedAt: now, version: 1 });
    expect(ticket.seatsLeft).toBe(5);
    const payload = { bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'c1', organizerId: 'org-1', quantity: 2, amount: 100_000, reason: 'SOLD_OUT', abandonedAt: now.toISOString() };
    expect(abandoned.pullEvents()).toEqual([{ type: 'BookingAbandoned', aggregateType: 'AbandonedBooking', aggregateId: 'b1', aggregateVersion: 1, payload }]);
  });

  it('works only with the inventory of its own ticket', () => {
    const other = TicketInventory.record({ ...registered, ticketId: 't2' });
    expect(() => AbandonedBooking.record('b1', other, request, 'SOLD_OUT', now)).toThrow('inventory t2 is not ticket t1');
  });

  it.each<[unknown, string]>([
    [new DomainError('PAYMENT_UNAVAILABLE', 'payment is unavailable, try again later'), 'PAYMENT_UNAVAILABLE'],
    [new DomainError('SOLD_OUT', 'sold out'), 'SOLD_OUT'],
    [new DomainError('CONFLICT', 'not on sale'), 'NOT_BOOKABLE'],
    [new DomainError('NOT_FOUND', 'ticket t1 not found'), 'NOT_BOOKABLE'],
    [new DomainError('INTERNAL_SERVER_ERROR', 'oops'), 'WRITE_FAILED'],
    [new Error('connection lost'), 'WRITE_FAILED'],
  ])('gives the reason for %p as %s', (error, reason) => {
    expect(AbandonedBooking.reasonFor(error)).toBe(reason);
  });
});
