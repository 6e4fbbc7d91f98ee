import type { Caller, Identity } from '@supergraph/kernel';
import { admin, customer, domainErrorOf, organizer } from '@supergraph/testing';
import { organizerOfNewTicket, requireOrganizerOf, requireTicketManager } from './ticket-access';

const as = (identity: Identity | null): Caller => ({ kind: 'router', identity });
const anonymous = as(null);
const booking: Caller = { kind: 'service', service: 'booking' };
const olgasTicket = { id: 't1', organizerId: 'olga' };

describe('ticket access', () => {
  it('registers a ticket for the calling organizer by default, or for the organizer named by the same organizer or by admin', () => {
    expect(organizerOfNewTicket(as(organizer('olga')), undefined)).toBe('olga');
    expect(organizerOfNewTicket(as(organizer('olga')), null)).toBe('olga');
    expect(organizerOfNewTicket(as(organizer('olga')), 'olga')).toBe('olga');
    expect(organizerOfNewTicket(as(admin()), 'olga')).toBe('olga');
  });

  it('refuses to register for someone else, for a customer, and without an end user', () => {
    expect(domainErrorOf(() => organizerOfNewTicket(as(organizer('olga')), 'oscar'))).toEqual(['FORBIDDEN', 'input.organizerId']);
    expect(domainErrorOf(() => organizerOfNewTicket(as(customer('alice')), undefined))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => organizerOfNewTicket(anonymous, 'olga'))).toEqual(['UNAUTHENTICATED', undefined]);
    expect(domainErrorOf(() => organizerOfNewTicket(booking, 'olga'))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('lets organizers and admin try a deletion; customers are FORBIDDEN, anonymous callers UNAUTHENTICATED', () => {
    expect(() => requireTicketManager(as(organizer('oscar')))).not.toThrow();
    expect(() => requireTicketManager(as(admin()))).not.toThrow();
    expect(domainErrorOf(() => requireTicketManager(as(customer('alice'))))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireTicketManager(anonymous))).toEqual(['UNAUTHENTICATED', undefined]);
  });

  it('lets only the ticket’s organizer or admin delete it', () => {
    expect(() => requireOrganizerOf(as(organizer('olga')), olgasTicket)).not.toThrow();
    expect(() => requireOrganizerOf(as(admin()), olgasTicket)).not.toThrow();
    expect(domainErrorOf(() => requireOrganizerOf(as(organizer('oscar')), olgasTicket))).toEqual(['FORBIDDEN', undefined]);
    expect(domainErrorOf(() => requireOrganizerOf(anonymous, olgasTicket))).toEqual(['UNAUTHENTICATED', undefined]);
  });
});
