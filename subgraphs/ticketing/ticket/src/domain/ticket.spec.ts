import { domainErrorOf } from '@supergraph/testing';
import { MAX_PRICE_KRW, RegisterTicket, Ticket } from './ticket';

const valid: RegisterTicket = { title: 'Swan Lake', venue: 'Seoul Arts Center', price: 50_000, seats: 100, organizerId: 'org-1' };


describe('Ticket', () => {
  it('registers with trimmed text and raises TicketRegistered with the whole ticket', () => {
    const now = new Date('2026-11-21T00:00:00Z');
    const ticket = Ticket.register('t1', { ...valid, title: '  Swan Lake ' }, now);
    expect(ticket.title).toBe('Swan Lake');
    expect(ticket.status).toBe('ON_SALE');
    expect(ticket.version).toBe(1);
    expect(ticket.pullEvents()).toEqual([
      expect.objectContaining({
        type: 'TicketRegistered',
        aggregateId: 't1',
        aggregateVersion: 1,
        payload: expect.objectContaining({ ticketId: 't1', price: 50_000, seats: 100, organizerId: 'org-1', registeredAt: now.toISOString() }),
      }),
    ]);
    expect(ticket.pullEvents()).toEqual([]);
  });

  it.each([
    [{ price: 0 }, 'input.price'],
    [{ price: -5 }, 'input.price'],
    [{ price: 1.5 }, 'input.price'],
    [{ price: 2_147_483_648 }, 'input.price'],
    [{ seats: 0 }, 'input.seats'],
    [{ seats: 100_001 }, 'input.seats'],
    [{ title: '   ' }, 'input.title'],
    [{ title: 'x'.repeat(201) }, 'input.title'],
    [{ venue: '' }, 'input.venue'],
    [{ organizerId: '' }, 'input.organizerId'],
    [{ saleStartsAt: new Date('2026-12-02'), saleEndsAt: new Date('2026-12-01') }, 'input.saleEndsAt'],
  ])('rejects %p as BAD_USER_INPUT naming %s', (override, field) => {
    expect(domainErrorOf(() => Ticket.register('t1', { ...valid, ...override }))).toEqual(['BAD_USER_INPUT', field]);
  });

  it('accepts the boundaries of the contract', () => {
    expect(() => Ticket.register('t1', { ...valid, seats: 1, price: 1, title: 'x'.repeat(200) })).not.toThrow();
    expect(() => Ticket.register('t1', { ...valid, seats: 100_000 })).not.toThrow();
  });

  it('accepts any price up to the largest GraphQL Int', () => {
    expect(MAX_PRICE_KRW).toBe(2_147_483_647);
    expect(Ticket.register('t1', { ...valid, price: 2_147_483_647 }).price).toBe(2_147_483_647);
  });

  it('keeps the whole lower-cased text for search, even when lower-casing lengthens it', () => {
    const ticket = Ticket.register('t1', { ...valid, title: 'İ'.repeat(200), venue: 'Hall' });
    expect(ticket.searchText).toBe(`${'i̇'.repeat(200)} hall`);
    expect(ticket.searchText).toHaveLength(405);
  });

  it('is on sale only inside its sale window and until deleted', () => {
    const ticket = Ticket.register('t1', { ...valid, saleStartsAt: new Date('2026-12-01'), saleEndsAt: new Date('2026-12-10') });
    expect(ticket.isOnSale(new Date('2026-11-30'))).toBe(false);
    expect(ticket.isOnSale(new Date('2026-12-05'))).toBe(true);
    expect(ticket.isOnSale(new Date('2026-12-10'))).toBe(false);
    ticket.delete(new Date('2026-12-05'));
    expect(ticket.isOnSale(new Date('2026-12-05'))).toBe(false);
  });

  it('deletes once, raising TicketDeleted; a second deletion is CONFLICT', () => {
    const ticket = Ticket.register('t1', valid);
    ticket.pullEvents();
    ticket.delete(new Date('2026-12-05T00:00:00Z'));
    expect(ticket.status).toBe('DELETED');
    expect(ticket.pullEvents()).toEqual([
      expect.objectContaining({ type: 'TicketDeleted', aggregateVersion: 2, payload: { ticketId: 't1', title: 'Swan Lake', organizerId: 'org-1', deletedAt: '2026-12-05T00:00:00.000Z' } }),
    ]);
    expect(domainErrorOf(() => ticket.delete())).toEqual(['CONFLICT', undefined]);
  });
});
