import type { MyBookingUpdated } from '@supergraph/contracts';
import { LiveFeed, liveQueue } from '@supergraph/kernel';
import { ensure } from '@supergraph/kernel/domain';

/**
 * `myPageUpdated(customerId)` (CONTRACT.md "Subscription"; SPEC.md 1.8): the customer's my-page row
 * each time an event changed it, as the `MyBookingUpdated` events of `mypage.events` carry it,
 * whichever replica applied the event (`updates` is this replica's feed of that stream). Live only:
 * updates before the subscription started are not replayed (read `myPage` first). A subscriber more
 * than `DEFAULT_MAX_BACKLOG` updates behind is ended with `RATE_LIMITED` (`liveQueue`). Throws
 * `BAD_USER_INPUT` naming `customerId` when empty, before anything is registered.
 */
export function watchMyPage(updates: LiveFeed<MyBookingUpdated>, customerId: string): AsyncIterableIterator<MyBookingUpdated> {
  const key = ensure.id('customerId', customerId);
  return liveQueue<MyBookingUpdated>((push) => updates.listen(key, (event) => push(event.payload)));
}
