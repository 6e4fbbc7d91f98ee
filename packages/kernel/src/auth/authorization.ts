import { DomainError } from '../domain/errors';
import { ensure } from '../domain/validate';
import { Caller, Identity, Role } from './identity';

/**
 * Authorization rules shared by the application layers (issue "Edge security"; CONTRACT.md
 * "Identity"): who may act is decided in the owning context, from the `Caller` its internal
 * credential proved. Each throws a `DomainError`: `UNAUTHENTICATED` when there is no end user,
 * `FORBIDDEN` when there is one who may not.
 */

/** The end user of a request. `UNAUTHENTICATED` for an anonymous client or a service call. */
export function requireUser(caller: Caller): Identity {
  if (caller.kind === 'router' && caller.identity) return caller.identity;
  throw new DomainError('UNAUTHENTICATED', 'sign in: this needs a valid bearer token (only ticket search is public)');
}

/** The end user, who must have one of `roles` (admin always may). `UNAUTHENTICATED`, `FORBIDDEN` naming `action`. */
export function requireRole(caller: Caller, roles: readonly Role[], action: string): Identity {
  const user = requireUser(caller);
  if (user.role !== 'admin' && !roles.includes(user.role)) throw new DomainError('FORBIDDEN', `${action} needs the role ${roles.join(' or ')}; you are ${user.role}`);
  return user;
}

/**
 * The subject a request acts for, from an identity argument (`customerId`, `organizerId`,
 * `recipientId`): the argument when given, else the caller's own subject. Someone else's id is
 * `FORBIDDEN` (naming `field`) unless the caller is admin; once allowed, the subject must be an id
 * (`ensure.id`: `BAD_USER_INPUT` naming `field` when blank or over 100 characters) and is returned
 * trimmed. With `roles`, the caller must also have one of them (`requireRole`).
 */
export function actingFor(caller: Caller, requested: string | null | undefined, field: string, roles?: readonly Role[]): string {
  const user = roles ? requireRole(caller, roles, 'this operation') : requireUser(caller);
  if (requested === undefined || requested === null || requested === '') return ensure.id(field, user.subject);
  if (requested !== user.subject && user.role !== 'admin') throw new DomainError('FORBIDDEN', `${field}: you may only act for yourself (${user.subject})`, field);
  return ensure.id(field, requested);
}

/** The end user, who must be `ownerId` or admin; else `FORBIDDEN` naming `what` (`booking 42`). */
export function requireOwner(caller: Caller, ownerId: string, what: string): Identity {
  const user = requireUser(caller);
  if (user.role !== 'admin' && user.subject !== ownerId) throw new DomainError('FORBIDDEN', `${what} is not yours`);
  return user;
}

/** True when the caller is an end user who is `ownerId` or admin (for filtering, where a miss is not an error). */
export function mayActFor(caller: Caller, ownerId: string): boolean {
  return caller.kind === 'router' && !!caller.identity && (caller.identity.role === 'admin' || caller.identity.subject === ownerId);
}

/** The call must be context `service`'s own sync call (its service credential); else `FORBIDDEN`. */
export function requireService(caller: Caller, service: string): void {
  if (caller.kind !== 'service' || caller.service !== service) throw new DomainError('FORBIDDEN', `only the ${service} context may call this`);
}
