import { DomainError } from '@supergraph/kernel/domain';
import { BEFORE_FIRST_NOTIFICATION, Notification, notificationCursor, notificationId } from './notification';
import { count, krw, quoted } from './wording';

const source = { eventId: 'e1', kind: 'TicketBooked', correlationId: 'b1' };

describe('Notification', () => {
  it('records who is told what about which event, and raises NotificationAdded', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    const notification = Notification.about('00000000000000000001', source, { recipientId: ' c1 ', message: 'Booking confirmed' }, now);
    expect(notification).toMatchObject({ id: '00000000000000000001', recipientId: 'c1', kind: 'TicketBooked', message: 'Booking confirmed', correlationId: 'b1', eventId: 'e1', createdAt: now });
    expect(notification.pullEvents()).toEqual([
      {
        type: 'NotificationAdded', aggregateType: 'Notification', aggregateId: '00000000000000000001', aggregateVersion: 1,
        payload: { notificationId: '00000000000000000001', recipientId: 'c1', kind: 'TicketBooked' },
      },
    ]);
  });

  it.each([
    [{ recipientId: '', message: 'x' }, 'recipientId'],
    [{ recipientId: 'c1', message: '  ' }, 'message'],
    [{ recipientId: 'c1', message: 'x'.repeat(2001) }, 'message'],
  ])('refuses %p as BAD_USER_INPUT naming %s', (notice, field) => {
    const attempt = () => Notification.about('n1', source, notice);
    expect(attempt).toThrow(DomainError);
    expect(attempt).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field }));
  });
});

describe('notification ids', () => {
  it('are sequence numbers zero-padded to 20 digits, so string order is number order', () => {
    expect(notificationId(42n)).toBe('00000000000000000042');
    expect(notificationId(18_446_744_073_709_551_615n)).toBe('18446744073709551615');
    expect(BEFORE_FIRST_NOTIFICATION).toBe('00000000000000000000');
    const ids = [9n, 10n, 100n, 2n].map(notificationId);
    expect([...ids].sort()).toEqual([2n, 9n, 10n, 100n].map(notificationId));
  });

  it('accept 1 to 20 digits as an after cursor, padded', () => {
    expect(notificationCursor('after', '7')).toBe('00000000000000000007');
    expect(notificationCursor('after', '00000000000000000007')).toBe('00000000000000000007');
  });

  it.each(['', 'abc', '-1', '1.5', ' 7', '0190a5c4-7b1e-7c3a-8f00-000000000000', '1'.repeat(21)])('refuse %p as an after cursor with BAD_USER_INPUT naming the field', (after) => {
    expect(() => notificationCursor('after', after)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'after', message: expect.stringMatching(/^after: /) }));
  });
});

describe('wording', () => {
  it('writes whole KRW with digit grouping', () => {
    expect(krw(100_000)).toBe('100,000 KRW');
    expect(krw(500)).toBe('500 KRW');
    expect(krw(10_000_000)).toBe('10,000,000 KRW');
  });

  it('pluralises counts unless exactly one', () => {
    expect(count(1, 'seat')).toBe('1 seat');
    expect(count(2, 'seat')).toBe('2 seats');
    expect(count(1000, 'seat')).toBe('1,000 seats');
  });

  it('quotes titles', () => {
    expect(quoted('Swan Lake')).toBe("'Swan Lake'");
  });
});
