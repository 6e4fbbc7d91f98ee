import { bookingRows, describeErrors, notificationRows, shortId, viewMatches } from './demo';
import type { MyBookingView } from './demo-operations';

const row = (bookingId: string, bookingStatus: 'BOOKED' | 'CANCELED', paymentStatus: 'APPROVED' | 'CANCELED' | null): MyBookingView => ({
  bookingId,
  ticketId: 't1',
  ticketTitle: 'Swan Lake',
  customerId: 'alice',
  organizerId: 'org',
  amount: 240_000,
  bookingStatus,
  paymentStatus,
  updatedAt: '2025-01-02T03:04:05.000Z',
});

describe('demo helpers', () => {
  it('shortId keeps the random tail of a uuid v7', () => {
    expect(shortId('0193b4c2-7d1e-7abc-8def-0123456789ab')).toBe('…456789ab');
    expect(shortId('b1')).toBe('b1');
  });

  it('viewMatches waits for every expected booking in its final state', () => {
    const expected = [
      { bookingId: 'b1', bookingStatus: 'CANCELED' as const, paymentStatus: 'CANCELED' as const },
      { bookingId: 'b2', bookingStatus: 'BOOKED' as const, paymentStatus: 'APPROVED' as const },
    ];
    expect(viewMatches([row('b1', 'CANCELED', 'CANCELED'), row('b2', 'BOOKED', 'APPROVED'), row('b3', 'BOOKED', null)], expected)).toBe(true);
    expect(viewMatches([row('b1', 'CANCELED', 'APPROVED'), row('b2', 'BOOKED', 'APPROVED')], expected)).toBe(false);
    expect(viewMatches([row('b2', 'BOOKED', 'APPROVED')], expected)).toBe(false);
  });

  it('renders view and notification tables, and says when they are empty', () => {
    expect(bookingRows([row('0193b4c2-7d1e-7abc-8def-0123456789ab', 'BOOKED', null)], true)).toEqual([
      'Swan Lake     240,000 KRW  booking BOOKED    payment -         alice  …456789ab',
    ]);
    expect(bookingRows([], false)).toEqual(['(no bookings)']);
    expect(notificationRows([])).toEqual(['(none)']);
    const [line] = notificationRows([{ id: 'n1', recipientId: 'alice', kind: 'PaymentCanceled', message: 'refunded', correlationId: 'b1', createdAt: '2025-01-02T03:04:05.000Z' }]);
    expect(line).toMatch(/^\d\d:\d\d:05 {2}PaymentCanceled {2}refunded$/);
  });

  it('describeErrors lists each error with its code', () => {
    expect(describeErrors({ errors: [{ message: 'sold out', extensions: { code: 'SOLD_OUT' } }, { message: 'boom' }] })).toBe('SOLD_OUT: sold out; ERROR: boom');
    expect(describeErrors({ data: null })).toBe('no data');
  });
});
