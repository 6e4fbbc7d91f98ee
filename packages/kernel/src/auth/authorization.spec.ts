import { DomainError } from '../domain/errors';
import { actingFor, mayActFor, requireOwner, requireRole, requireService, requireUser } from './authorization';
import { Caller, Identity } from './identity';

const alice: Identity = { subject: 'alice', role: 'customer' };
const olga: Identity = { subject: 'olga', role: 'organizer' };
const root: Identity = { subject: 'root', role: 'admin' };
const as = (identity: Identity): Caller => ({ kind: 'router', identity });
const anonymous: Caller = { kind: 'router', identity: null };
const booking: Caller = { kind: 'service', service: 'booking' };

/** The `DomainError` `run` throws (fails when it throws nothing or something else). */
function refusal(run: () => unknown): DomainError {
  try {
    run();
  } catch (error) {
    if (error instanceof DomainError) return error;
    throw error;
  }
  throw new Error('expected a DomainError');
}

describe('requireUser', () => {
  it('returns the end user the router vouched for', () => {
    expect(requireUser(as(alice))).toBe(alice);
  });

  it.each([
    ['an anonymous client', anonymous],
    ['a service call (no end user)', booking],
  ])('is UNAUTHENTICATED for %s', (_what, caller) => {
    expect(refusal(() => requireUser(caller))).toMatchObject({ code: 'UNAUTHENTICATED', field: undefined });
  });
});

describe('requireRole', () => {
  it('returns the user when it has one of the roles, and an admin always', () => {
    expect(requireRole(as(olga), ['organizer'], 'registerTicket')).toBe(olga);
    expect(requireRole(as(alice), ['customer', 'organizer'], 'myPage')).toBe(alice);
    expect(requireRole(as(root), ['organizer'], 'registerTicket')).toBe(root);
  });

  it('is FORBIDDEN, naming the action and the roles, for another role', () => {
    expect(refusal(() => requireRole(as(alice), ['organizer'], 'registerTicket'))).toMatchObject({
      code: 'FORBIDDEN',
      message: 'registerTicket needs the role organizer; you are customer',
      field: undefined,
    });
  });

  it('is UNAUTHENTICATED without an end user, before looking at roles', () => {
    expect(refusal(() => requireRole(anonymous, ['customer'], 'bookTicket')).code).toBe('UNAUTHENTICATED');
    expect(refusal(() => requireRole(booking, ['customer'], 'bookTicket')).code).toBe('UNAUTHENTICATED');
  });
});

describe('actingFor', () => {
  it.each([undefined, null, ''])('defaults an absent id (%p) to the caller’s subject', (requested) => {
    expect(actingFor(as(alice), requested, 'customerId')).toBe('alice');
    expect(actingFor(as(root), requested, 'customerId')).toBe('root');
  });

  it('accepts the caller’s own id', () => {
    expect(actingFor(as(alice), 'alice', 'customerId', ['customer'])).toBe('alice');
  });

  it('is FORBIDDEN naming the field for someone else’s id', () => {
    expect(refusal(() => actingFor(as(alice), 'bob', 'customerId'))).toMatchObject({ code: 'FORBIDDEN', field: 'customerId', message: 'customerId: you may only act for yourself (alice)' });
    expect(refusal(() => actingFor(as(olga), 'alice', 'recipientId')).field).toBe('recipientId');
  });

  it('lets an admin act for anyone, whatever roles the action names', () => {
    expect(actingFor(as(root), 'bob', 'customerId')).toBe('bob');
    expect(actingFor(as(root), 'olga', 'organizerId', ['organizer'])).toBe('olga');
  });

  it('once allowed, validates the id: BAD_USER_INPUT naming the field when blank or too long, trimmed otherwise', () => {
    expect(refusal(() => actingFor(as(root), '   ', 'customerId'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'customerId' });
    expect(refusal(() => actingFor(as(root), 'x'.repeat(101), 'recipientId'))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'recipientId' });
    expect(actingFor(as(root), ' bob ', 'customerId')).toBe('bob');
    expect(refusal(() => actingFor(as(alice), '   ', 'customerId')).code).toBe('FORBIDDEN'); // the right to act is decided first
  });

  it('with roles, is FORBIDDEN for another role even for the caller’s own id', () => {
    expect(refusal(() => actingFor(as(alice), 'alice', 'organizerId', ['organizer']))).toMatchObject({ code: 'FORBIDDEN', field: undefined });
    expect(refusal(() => actingFor(as(olga), undefined, 'customerId', ['customer'])).code).toBe('FORBIDDEN');
  });

  it('is UNAUTHENTICATED without an end user, with or without an id', () => {
    for (const caller of [anonymous, booking]) {
      expect(refusal(() => actingFor(caller, undefined, 'customerId')).code).toBe('UNAUTHENTICATED');
      expect(refusal(() => actingFor(caller, 'alice', 'customerId', ['customer'])).code).toBe('UNAUTHENTICATED');
    }
  });
});

describe('requireOwner', () => {
  it('returns the user when it owns the thing, or is admin', () => {
    expect(requireOwner(as(alice), 'alice', 'booking 42')).toBe(alice);
    expect(requireOwner(as(root), 'alice', 'booking 42')).toBe(root);
  });

  it('is FORBIDDEN naming the thing for anyone else', () => {
    expect(refusal(() => requireOwner(as(olga), 'alice', 'booking 42'))).toMatchObject({ code: 'FORBIDDEN', message: 'booking 42 is not yours' });
  });

  it('is UNAUTHENTICATED without an end user', () => {
    expect(refusal(() => requireOwner(anonymous, 'alice', 'booking 42')).code).toBe('UNAUTHENTICATED');
    expect(refusal(() => requireOwner(booking, 'alice', 'booking 42')).code).toBe('UNAUTHENTICATED');
  });
});

describe('mayActFor', () => {
  it('is true for the owner and an admin, false for anyone else, an anonymous client or a service', () => {
    expect([as(alice), as(root), as(olga), anonymous, booking].map((caller) => mayActFor(caller, 'alice'))).toEqual([true, true, false, false, false]);
  });
});

describe('requireService', () => {
  it('passes the named context’s own service call', () => {
    expect(() => requireService(booking, 'booking')).not.toThrow();
  });

  it.each([
    ['another context', { kind: 'service', service: 'ticket' } as Caller],
    ['an end user, even an admin', as(root)],
    ['an anonymous client', anonymous],
  ])('is FORBIDDEN for %s', (_what, caller) => {
    expect(refusal(() => requireService(caller, 'booking'))).toMatchObject({ code: 'FORBIDDEN', message: 'only the booking context may call this' });
  });
});
