import { DomainError } from '@supergraph/kernel/domain';
import { Notification } from './notification';
import { count, krw, quoted } from './wording';

const source = { eventId: 'e1', kind: 'TicketBooked', correlationId: 'b1' };

describe('Notification', () => {
  it('records who is told what about which event', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    const notification = Notification.about('n1', source, { recipientId: ' c1 ', message: 'Booking confirmed' }, now);
    expect(notification).toEqual({ id: 'n1', recipientId: 'c1', kind: 'TicketBooked', message: 'Booking confirmed', correlationId: 'b1', eventId: 'e1', createdAt: now });
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
