import { backoffMs, BookingRow, compareIds, describeClose, describeError, FIRST_CURSOR, NotificationCursor, supersedes } from './model';

describe('live page model', () => {
  it('orders notification ids as numbers and other ids as strings', () => {
    expect(compareIds('0', '00000000000000000001')).toBeLessThan(0);
    expect(compareIds('00000000000000000010', '00000000000000000009')).toBeGreaterThan(0);
    expect(compareIds('00000000000000000007', '7')).toBe(0);
    expect(compareIds('0190a0b0-0000-7000-8000-000000000001', '0190a0b0-0000-7000-8000-000000000002')).toBeLessThan(0);
  });

  it('resumes after the newest notification shown and accepts each id once', () => {
    const cursor = new NotificationCursor();
    expect(cursor.after).toBe(FIRST_CURSOR);
    expect(cursor.accept('00000000000000000003')).toBe(true);
    expect(cursor.accept('00000000000000000004')).toBe(true);
    expect(cursor.accept('00000000000000000004')).toBe(false); // replayed again after a reconnect
    expect(cursor.accept('00000000000000000002')).toBe(false);
    expect(cursor.after).toBe('00000000000000000004');
    expect(cursor.lastShown).toBe('00000000000000000004');
  });

  it('keeps the newest my-page row; a tie takes the later answer', () => {
    const row = (updatedAt: string): BookingRow => ({ bookingId: 'b', ticketTitle: 't', quantity: 1, amount: 1, bookingStatus: 'BOOKED', paymentStatus: null, updatedAt, booking: null });
    expect(supersedes(row('2025-01-01T00:00:01.000Z'), undefined)).toBe(true);
    expect(supersedes(row('2025-01-01T00:00:01.000Z'), row('2025-01-01T00:00:02.000Z'))).toBe(false);
    expect(supersedes(row('2025-01-01T00:00:02.000Z'), row('2025-01-01T00:00:01.000Z'))).toBe(true);
    expect(supersedes(row('2025-01-01T00:00:02.000Z'), row('2025-01-01T00:00:02.000Z'))).toBe(true);
  });

  it('backs off from 0.5 s doubling to 5 s, with at most 20 % jitter', () => {
    const mid = () => 0.5;
    expect([0, 1, 2, 3, 4, 5, 50].map((attempt) => backoffMs(attempt, mid))).toEqual([500, 1000, 2000, 4000, 5000, 5000, 5000]);
    expect(backoffMs(0, () => 0)).toBe(400);
    expect(backoffMs(9, () => 1)).toBe(6000);
  });

  it('words close events and errors on one line', () => {
    expect(describeClose({ code: 1006, reason: '' })).toBe('connection lost');
    expect(describeClose({ code: 4400, reason: 'Bad request' })).toBe('connection closed (4400: Bad request)');
    expect(describeError([{ message: 'a' }, { message: 'b' }])).toBe('a; b');
    expect(describeError(new TypeError('Failed to fetch'))).toBe('Failed to fetch');
  });
});
