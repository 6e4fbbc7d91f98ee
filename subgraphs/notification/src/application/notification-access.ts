import { actingFor, Caller } from '@supergraph/kernel';

/** Who may read which notifications (issue "Edge security"; CONTRACT.md "Identity"): everyone their own, admin anyone's. */

/**
 * The recipient whose notifications `caller` may read (CONTRACT.md "Identity"): `recipientId` when
 * given, else the caller's own subject. Anyone signed in (any role) reads their own, an admin
 * anyone's: `UNAUTHENTICATED` without an end user, `FORBIDDEN` naming `recipientId` for someone
 * else's id; then `BAD_USER_INPUT` naming `recipientId` when the id is blank.
 * Shared by `notifications` and `notificationAdded`.
 */
export function notificationRecipient(caller: Caller, recipientId: string | null | undefined): string {
  return actingFor(caller, recipientId, 'recipientId');
}
