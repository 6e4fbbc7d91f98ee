import type { MyBookingUpdated } from '@supergraph/contracts';
import { Caller, LiveFeed, liveQueue } from '@supergraph/kernel';
import { myPageCustomer } from '../mypage-access';

/**
 * `myPageUpdated(customerId)` (CONTRACT.md "Subscription"; SPEC.md 1.8): the customer's my-page row
 * each time an event changed it, as the `MyBookingUpdated` events of `mypage.events` carry it,
 * whichever replica applied the event (`updates` is this replica's feed of that stream). Live only:
 * updates before the subscription started are not replayed (read `myPage` first). A subscriber more
 * than `DEFAULT_MAX_BACKLOG` updates behind is ended with `RATE_LIMITED` (`liveQueue`).
 * `customerId` defaults to the caller and is authorized as for `myPage` (`myPageCustomer`), when
 * the subscription starts and before anything is registered: `UNAUTHENTICATED`, `FORBIDDEN` or
 * `BAD_USER_INPUT` naming `customerId`.
 */
export function watchMyPage(updates: LiveFeed<MyBookingUpdated>, caller: Caller, customerId?: string | null): AsyncIterableIterator<MyBookingUpdated> {
  const key = myPageCustomer(caller, customerId);
  return liveQueue<MyBookingUpdated>((push) => updates.listen(key, (event) => push(event.payload)));
}
