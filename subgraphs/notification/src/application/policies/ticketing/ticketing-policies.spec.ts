import type { BookingCanceled, PaymentApproved, PaymentCanceled, TicketBooked, TicketDeleted, TicketRegistered } from '@supergraph/contracts';
import { ticketingPolicies } from '.';

const registered: TicketRegistered = {
  ticketId: 't1', title: 'Swan Lake', venue: 'Seoul Arts Center', price: 50_000, seats: 100, organizerId: 'org-1',
  saleStartsAt: null, saleEndsAt: null, registeredAt: '2026-11-21T00:00:00.000Z',
};
const booked: TicketBooked = {
  bookingId: 'b1', ticketId: 't1', ticketTitle: 'Swan Lake', customerId: 'cust-1', organizerId: 'org-1', quantity: 2, amount: 100_000, bookedAt: '2026-11-21T00:00:00.000Z',
};
const canceled = (reason: BookingCanceled['reason']): BookingCanceled => ({ ...booked, reason, canceledAt: '2026-11-22T00:00:00.000Z' });
const payment: PaymentApproved & PaymentCanceled = { paymentId: 'p1', bookingId: 'b1', customerId: 'cust-1', amount: 100_000, approvedAt: '2026-11-21T00:00:00.000Z', canceledAt: '2026-11-22T00:00:00.000Z' };

describe('ticketing notification policies', () => {
  it('listens to the ticket, booking and payment streams for exactly the six events', () => {
    expect(Object.fromEntries(Object.entries(ticketingPolicies).map(([producer, policies]) => [producer, Object.keys(policies).sort()]))).toEqual({
      ticket: ['TicketDeleted', 'TicketRegistered'],
      booking: ['BookingCanceled', 'TicketBooked'],
      payment: ['PaymentApproved', 'PaymentCanceled'],
    });
  });

  it('tells the organizer their ticket is registered, with venue, seats and price', () => {
    expect(ticketingPolicies.ticket.TicketRegistered(registered)).toEqual([
      { recipientId: 'org-1', message: "Ticket registered: 'Swan Lake' at Seoul Arts Center, 100 seats at 50,000 KRW each" },
    ]);
  });

  it('tells the organizer their ticket is deleted and its bookings are being canceled', () => {
    const deleted: TicketDeleted = { ticketId: 't1', title: 'Swan Lake', organizerId: 'org-1', deletedAt: '2026-11-22T00:00:00.000Z' };
    expect(ticketingPolicies.ticket.TicketDeleted(deleted)).toEqual([
      { recipientId: 'org-1', message: "Ticket deleted: 'Swan Lake'; its bookings are being canceled" },
    ]);
  });

  it('confirms a booking to its customer and tells the ticket organizer who booked', () => {
    expect(ticketingPolicies.booking.TicketBooked(booked)).toEqual([
      { recipientId: 'cust-1', message: "Booking confirmed: 2 seats for 'Swan Lake' (100,000 KRW)" },
      { recipientId: 'org-1', message: "New booking: 2 seats for 'Swan Lake' (100,000 KRW) by customer cust-1" },
    ]);
    expect(ticketingPolicies.booking.TicketBooked({ ...booked, quantity: 1, amount: 50_000 })[0].message).toBe("Booking confirmed: 1 seat for 'Swan Lake' (50,000 KRW)");
  });

  it('tells the customer whether they or a ticket deletion canceled the booking', () => {
    expect(ticketingPolicies.booking.BookingCanceled(canceled('CUSTOMER'))).toEqual([
      { recipientId: 'cust-1', message: "Booking canceled at your request: 2 seats for 'Swan Lake' (100,000 KRW)" },
    ]);
    expect(ticketingPolicies.booking.BookingCanceled(canceled('TICKET_DELETED'))).toEqual([
      { recipientId: 'cust-1', message: "Booking canceled because the organizer deleted the ticket: 2 seats for 'Swan Lake' (100,000 KRW)" },
    ]);
    const unknown = { ...canceled('CUSTOMER'), reason: 'FRAUD_CHECK' } as unknown as BookingCanceled;
    expect(ticketingPolicies.booking.BookingCanceled(unknown)[0].message).toBe("Booking canceled by the system: 2 seats for 'Swan Lake' (100,000 KRW)");
  });

  it('tells the customer their payment was approved, then canceled, with the amount and booking, about the booking', () => {
    expect(ticketingPolicies.payment.PaymentApproved(payment)).toEqual([{ recipientId: 'cust-1', message: 'Payment approved: 100,000 KRW for booking b1', about: 'b1' }]);
    expect(ticketingPolicies.payment.PaymentCanceled(payment)).toEqual([{ recipientId: 'cust-1', message: 'Payment canceled: 100,000 KRW for booking b1', about: 'b1' }]);
  });
});
