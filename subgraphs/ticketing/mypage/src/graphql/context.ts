import type { MyBookingUpdated } from '@supergraph/contracts';
import type { LiveFeed, RequestContext } from '@supergraph/kernel';
import type { MyBooking } from '../domain/my-booking';

/** Per-request context of the mypage subgraph: the kernel's base (a view: queries only) and the live feed. */
export interface MyPageContext extends RequestContext {
  /** This replica's feed of `MyBookingUpdated` on `mypage.events`, keyed by customer id (`myPageUpdated`). */
  updates: LiveFeed<MyBookingUpdated>;
}

/**
 * What a GraphQL `MyBooking` resolves from (codegen mapper): a stored view row (`myPage`,
 * `organizerPage`; visible rows only, so their booking facts are set) or the snapshot an update
 * carries (`myPageUpdated`). Both name the booking by `bookingId`.
 */
export type MyPageRow = MyBooking | MyBookingUpdated;
