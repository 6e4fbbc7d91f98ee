import type { TicketRegistered } from '@supergraph/contracts';
import { domainErrorOf } from '@supergraph/testing';
import { AbandonedBooking } from './abandoned-booking';
import { BookTicket, Booking, BookingRequest } from './booking';
import { SeatHold } from './seat-hold';
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
const hold = { ttlMs: 60_000, correlationId: 'flow-1' };
/** Holds `request` (2 seats) of `ticket` for booking `b1`, a minute long. */
const holdOf = (ticket: TicketInventory, held: BookingRequest = request) => SeatHold.take('b1', ticket, held, hold, now);

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
      [{ ticketId: 't1', customerId: '  ' }, 'input.customerId'],
      [{ ticketId: '', customerId: 'c1' }, 'input.ticketId'],
    ])('rejects %p as BAD_USER_INPUT naming %s', (input, field) => {
      expect(domainErrorOf(() => Booking.request(input))).toEqual(['BAD_USER_INPUT', field]);
    });
  });

  it('is confirmed from its seat hold: keeps the held seats, amount = price × quantity, raises TicketBooked with organizer and title', () => {
    const ticket = TicketInventory.record(registered);
    const hold = holdOf(ticket);
    expect(ticket.seatsLeft).toBe(3);
    const later = new Date('2026-12-01T00:00:01Z');
    const booking = Booking.confirm(hold, ticket, later);
    expect(booking).toMatchObject({ id: 'b1', ticketId: 't1', customerId: 'c1', quantity: 2, amount: 100_000, status: 'BOOKED', bookedAt: later, canceledAt: null, version: 1 });
    expect(ticket.seatsLeft).toBe(3);
    expect(booking.pullEvents()).toEqual([
      {
        type: 'TicketBooked',
        aggregateType: 'Booking',
        aggregateId: 'b1',
        aggregateVersion: 1,
        payload: { bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'c1', organizerId: 'org-1', quantity: 2, amount: 100_000, bookedAt: later.toISOString() },
      },
    ]);
  });

  it('cancels once: frees the seats, raises BookingCanceled with the reason; a second cancel is CONFLICT', () => {
    const ticket = TicketInventory.record(registered);
    const booking = Booking.confirm(holdOf(ticket), ticket, now);
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
    const hold = holdOf(ticket);
    expect(() => Booking.confirm(hold, other, now)).toThrow('inventory t2 is not ticket t1');
    const booking = Booking.confirm(hold, ticket, now);
    expect(() => booking.cancel(other, 'CUSTOMER', now)).toThrow('inventory t2 is not ticket t1');
    expect(other.seatsLeft).toBe(5);
  });
});

describe('SeatHold', () => {
  it('takes the seats for a minute: amount = price × quantity, expiring ttlMs after now, in the flow that took it', () => {
    const ticket = TicketInventory.record(registered);
    const held = SeatHold.take('b1', ticket, request, hold, now);
    expect(held).toEqual(
      expect.objectContaining({ id: 'b1', ticketId: 't1', customerId: 'c1', quantity: 2, amount: 100_000, correlationId: 'flow-1', heldAt: now, expiresAt: new Date('2026-12-01T00:01:00Z') }),
    );
    expect(ticket.seatsLeft).toBe(3);
  });

  it('holds nothing beyond the seats (SOLD_OUT), of a ticket not on sale (CONFLICT) or above a GraphQL Int (BAD_USER_INPUT), leaving the seats as they were', () => {
    const ticket = TicketInventory.record({ ...registered, seats: 1 });
    expect(domainErrorOf(() => SeatHold.take('b1', ticket, request, hold, now))).toEqual(['SOLD_OUT', undefined]);
    expect(ticket.seatsLeft).toBe(1);
    const dear = TicketInventory.record({ ...registered, price: 2_000_000_000 });
    expect(domainErrorOf(() => SeatHold.take('b1', dear, request, hold, now))).toEqual(['BAD_USER_INPUT', 'input.quantity']);
    expect(dear.seatsLeft).toBe(5);
    ticket.markDeleted(now);
    expect(domainErrorOf(() => SeatHold.take('b1', ticket, { ...request, quantity: 1 }, hold, now))).toEqual(['CONFLICT', undefined]);
    expect(ticket.seatsLeft).toBe(1);
  });

  it('gives the seats back when released; records the booking abandoned only when a reason says payment may have approved it', () => {
    const ticket = TicketInventory.record(registered);
    const declined = SeatHold.take('b1', ticket, request, hold, now);
    const unknown = SeatHold.take('b2', ticket, { ...request, quantity: 3 }, hold, now);
    expect(ticket.seatsLeft).toBe(0);
    expect(declined.release(ticket, null, now)).toBeNull();
    expect(ticket.seatsLeft).toBe(2);
    const abandoned = unknown.release(ticket, 'HOLD_EXPIRED', now);
    expect(ticket.seatsLeft).toBe(5);
    expect(abandoned).toBeInstanceOf(AbandonedBooking);
    expect(abandoned).toMatchObject({ id: 'b2', customerId: 'c1', quantity: 3, amount: 150_000, reason: 'HOLD_EXPIRED', abandonedAt: now });
    expect(abandoned!.pullEvents().map((e) => [e.type, e.payload.reason])).toEqual([['BookingAbandoned', 'HOLD_EXPIRED']]);
  });

  it('works only with the inventory of its own ticket', () => {
    const other = TicketInventory.record({ ...registered, ticketId: 't2' });
    expect(() => SeatHold.take('b1', other, request, hold, now)).toThrow('inventory t2 is not ticket t1');
    const held = SeatHold.take('b1', TicketInventory.record(registered), request, hold, now);
    expect(() => held.release(other, null, now)).toThrow('inventory t2 is not ticket t1');
    expect(other.seatsLeft).toBe(5);
  });

  it('explains a hold released before payment answered: CONFLICT once the ticket is deleted, else PAYMENT_UNAVAILABLE (it expired)', () => {
    const ticket = TicketInventory.record(registered);
    expect(SeatHold.released('b1', ticket)).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', message: expect.stringContaining('try again later') });
    ticket.markDeleted(now);
    expect(SeatHold.released('b1', ticket)).toMatchObject({ code: 'CONFLICT', message: 'ticket t1 is not on sale' });
  });
});

describe('AbandonedBooking', () => {
  it('records the booking of a released hold that will not exist and raises BookingAbandoned with the contract payload', () => {
    const ticket = TicketInventory.record(registered);
    const abandoned = AbandonedBooking.record(holdOf(ticket), ticket, 'PAYMENT_UNAVAILABLE', now);
    expect(abandoned).toMatchObject({ id: 'b1', ticketId: 't1', customerId: 'c1', quantity: 2, amount: 100_000, reason: 'PAYMENT_UNAVAILABLE', abandonedAt: now, version: 1 });
    const payload = { bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'c1', organizerId: 'org-1', quantity: 2, amount: 100_000, reason: 'PAYMENT_UNAVAILABLE', abandonedAt: now.toISOString() };
    expect(abandoned.pullEvents()).toEqual([{ type: 'BookingAbandoned', aggregateType: 'AbandonedBooking', aggregateId: 'b1', aggregateVersion: 1, payload }]);
  });

  it('works only with the inventory of its own ticket', () => {
    const hold = holdOf(TicketInventory.record(registered));
    const other = TicketInventory.record({ ...registered, ticketId: 't2' });
    expect(() => AbandonedBooking.record(hold, other, 'HOLD_EXPIRED', now)).toThrow('inventory t2 is not ticket t1');
  });
});
