import type { TicketRegistered } from '@supergraph/contracts';
import { domainErrorOf } from '@supergraph/testing';
import { TicketInventory } from './ticket-inventory';

const registered: TicketRegistered = {
  ticketId: 't1',
  title: 'Swan Lake',
  venue: 'Seoul Arts Center',
  price: 50_000,
  seats: 3,
  organizerId: 'org-1',
  saleStartsAt: '2026-12-01T00:00:00.000Z',
  saleEndsAt: '2026-12-10T00:00:00.000Z',
  registeredAt: '2026-11-21T00:00:00.000Z',
};
const onSale = new Date('2026-12-05T00:00:00Z');


const codeOfError = (fn: () => unknown) => domainErrorOf(fn)[0];

describe('TicketInventory', () => {
  it('records a registered ticket with every seat left and its sale window', () => {
    const ticket = TicketInventory.record(registered);
    expect(ticket).toMatchObject({ id: 't1', title: 'Swan Lake', price: 50_000, seats: 3, seatsLeft: 3, organizerId: 'org-1', status: 'ON_SALE', deletedAt: null });
    expect(ticket.saleStartsAt).toEqual(new Date('2026-12-01T00:00:00Z'));
    expect(ticket.registeredAt).toEqual(new Date('2026-11-21T00:00:00Z'));
    expect(TicketInventory.record({ ...registered, saleStartsAt: null, saleEndsAt: null }).isOnSale(new Date('2000-01-01'))).toBe(true);
  });

  it('is bookable only inside the sale window and until deleted (CONFLICT otherwise)', () => {
    const ticket = TicketInventory.record(registered);
    expect(codeOfError(() => ticket.ensureBookable(1, new Date('2026-11-30T00:00:00Z')))).toBe('CONFLICT');
    expect(codeOfError(() => ticket.ensureBookable(1, new Date('2026-12-10T00:00:00Z')))).toBe('CONFLICT');
    expect(() => ticket.ensureBookable(3, onSale)).not.toThrow();
    ticket.markDeleted(onSale);
    expect(ticket).toMatchObject({ status: 'DELETED', deletedAt: onSale });
    expect(codeOfError(() => ticket.ensureBookable(1, onSale))).toBe('CONFLICT');
    ticket.markDeleted(new Date('2026-12-06T00:00:00Z'));
    expect(ticket.deletedAt).toEqual(onSale);
  });

  it('takes seats down to zero, then SOLD_OUT without changing anything; release never exceeds the seats', () => {
    const ticket = TicketInventory.record(registered);
    ticket.reserve(2, onSale);
    expect(ticket.seatsLeft).toBe(1);
    expect(codeOfError(() => ticket.reserve(2, onSale))).toBe('SOLD_OUT');
    expect(ticket.seatsLeft).toBe(1);
    ticket.reserve(1, onSale);
    expect(codeOfError(() => ticket.reserve(1, onSale))).toBe('SOLD_OUT');
    ticket.release(2);
    expect(ticket.seatsLeft).toBe(2);
    ticket.release(5);
    expect(ticket.seatsLeft).toBe(3);
  });

  it('prices price × quantity in KRW and rejects an amount beyond a GraphQL Int as BAD_USER_INPUT on input.quantity', () => {
    expect(TicketInventory.record(registered).amountFor(3)).toBe(150_000);
    const dear = TicketInventory.record({ ...registered, price: 2_000_000_000 });
    expect(dear.amountFor(1)).toBe(2_000_000_000);
    expect(() => dear.amountFor(2)).toThrow(expect.objectContaining({ code: 'BAD_USER_INPUT', field: 'input.quantity' }));
  });

  it('stands in for a ticket not recorded yet with nothing to sell', () => {
    const unknown = TicketInventory.notYetRecorded('t9');
    expect(unknown).toMatchObject({ id: 't9', seatsLeft: 0 });
    expect(unknown.bookableSeats()).toBe(0);
    expect(codeOfError(() => unknown.ensureBookable(1))).toBe('SOLD_OUT');
  });

  it('shows the seats left as bookable only while on sale (Ticket.seatsLeft: 0 outside the sale window and once deleted)', () => {
    const ticket = TicketInventory.record(registered);
    ticket.reserve(1, onSale);
    expect(ticket.bookableSeats(onSale)).toBe(2);
    expect(ticket.bookableSeats(new Date('2026-11-30T00:00:00Z'))).toBe(0);
    expect(ticket.bookableSeats(new Date('2026-12-10T00:00:00Z'))).toBe(0);
    ticket.release(1);
    ticket.markDeleted(onSale);
    expect(ticket.seatsLeft).toBe(3);
    expect(ticket.bookableSeats(onSale)).toBe(0);
  });

  it('keeps a ticket deleted before its registration reached booking as a DELETED placeholder without seats', () => {
    const deletedAt = '2026-12-02T00:00:00.000Z';
    const placeholder = TicketInventory.deletedBeforeRegistered({ ticketId: 't1', title: 'Swan Lake', organizerId: 'org-1', deletedAt });
    expect(placeholder).toMatchObject({ id: 't1', title: 'Swan Lake', organizerId: 'org-1', price: 0, seats: 0, seatsLeft: 0, status: 'DELETED', deletedAt: new Date(deletedAt) });
    expect(placeholder.bookableSeats(onSale)).toBe(0);
    expect(codeOfError(() => placeholder.ensureBookable(1, onSale))).toBe('CONFLICT');
    expect(placeholder.pullEvents()).toEqual([]);
  });

  it('continues the deletion saga of a deleted ticket with TicketDeletionContinued (only once deleted)', () => {
    const ticket = TicketInventory.record(registered);
    expect(() => ticket.continueDeletion()).toThrow('ticket t1 is not deleted');
    ticket.markDeleted(onSale);
    ticket.continueDeletion();
    ticket.continueDeletion();
    expect(ticket.pullEvents()).toEqual([
      { type: 'TicketDeletionContinued', aggregateType: 'TicketInventory', aggregateId: 't1', aggregateVersion: 1, payload: { ticketId: 't1', deletedAt: onSale.toISOString() } },
      { type: 'TicketDeletionContinued', aggregateType: 'TicketInventory', aggregateId: 't1', aggregateVersion: 2, payload: { ticketId: 't1', deletedAt: onSale.toISOString() } },
    ]);
  });
});
