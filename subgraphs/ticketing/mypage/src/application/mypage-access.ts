import { actingFor, Caller } from '@supergraph/kernel';

/**
 * Who may read which my-page (issue "Edge security"; CONTRACT.md "Identity"): a customer their
 * own, an organizer their own organizer page, admin anyone's.
 */

/**
 * The customer whose my-page `caller` may read (CONTRACT.md "Identity"): `customerId` when given,
 * else the caller's own subject. Only a customer (for themself) or an admin (for anyone) may:
 * `UNAUTHENTICATED` without an end user, `FORBIDDEN` naming `customerId` for another customer's id
 * or another role. Then `BAD_USER_INPUT` naming `customerId` when the id is blank.
 * Shared by `myPage` and `myPageUpdated`.
 */
export function myPageCustomer(caller: Caller, customerId: string | null | undefined): string {
  return actingFor(caller, customerId, 'customerId', ['customer']);
}

/**
 * The organizer whose organizer page `caller` may read: `organizerId` when given, else the
 * caller's own subject. Only an organizer (their own) or an admin (anyone's): `UNAUTHENTICATED`
 * without an end user, `FORBIDDEN` for another organizer's id or another role; then
 * `BAD_USER_INPUT` naming `organizerId` when it is blank.
 */
export function organizerPageOrganizer(caller: Caller, organizerId: string | null | undefined): string {
  return actingFor(caller, organizerId, 'organizerId', ['organizer']);
}
