import type { NotificationAdded } from '@supergraph/contracts';
import { AggregateRoot, ensure, invalidInput } from '@supergraph/kernel/domain';

/** What a policy decides for one recipient of an event: who is told, and what (English text). */
export interface Notice {
  recipientId: string;
  message: string;
  /**
   * The aggregate the notice is about when it is not the event's own (a payment event is about
   * the customer's booking: its `bookingId`). Defaults to the event's `aggregateId`.
   */
  about?: string;
}

/** The event a notification tells about, as it arrived on its stream. */
export interface NotificationSource {
  /** The event's envelope id (uuid); with `recipientId` it identifies a notification. */
  eventId: string;
  /** The event type (`TicketBooked`). */
  kind: string;
  /** The event's `aggregateId` (booking id, ticket id). */
  correlationId: string;
}

/** Longest message stored, characters. */
export const MAX_MESSAGE_LENGTH = 2000;

/** Digits of a notification id: enough for any 64-bit sequence number. */
export const NOTIFICATION_ID_DIGITS = 20;

/**
 * The id of the notification numbered `sequence` (1, 2, 3, … in commit order): the number
 * zero-padded to `NOTIFICATION_ID_DIGITS` digits, e.g. `00000000000000000042`, so ids sort the same
 * as strings (in SQL too) and as numbers. Sequence 0 gives the id below every notification's.
 */
export function notificationId(sequence: bigint): string {
  return sequence.toString().padStart(NOTIFICATION_ID_DIGITS, '0');
}

/** The id below every notification's: where a recipient without notifications resumes from. */
export const BEFORE_FIRST_NOTIFICATION = notificationId(0n);

/**
 * A client's `after` cursor as a notification id: 1 to 20 digits (leading zeros optional), padded
 * to 20 so that `id > after` compares right. Throws `BAD_USER_INPUT` naming `field` for anything else
 * (CONTRACT.md `notifications(after)`, `notificationAdded(after)`).
 */
export function notificationCursor(field: string, after: string): string {
  if (!/^\d{1,20}$/.test(after)) throw invalidInput(field, `must be a notification id (1 to ${NOTIFICATION_ID_DIGITS} digits)`);
  return after.padStart(NOTIFICATION_ID_DIGITS, '0');
}

/**
 * A message to one person about one event (CONTRACT.md `Notification`; SPEC.md 1.6, 1.7, 1.9,
 * 1.11). Immutable once written. At most one exists per (`eventId`, `recipientId`), so an event
 * delivered again never notifies twice. `id` is a sequence number assigned in commit order
 * (`notificationId`): a notification with a smaller id never becomes visible after one with a
 * greater id, so a client resuming `after` the last id it saw misses nothing. Storing one raises
 * `NotificationAdded`, which feeds the live subscriptions of every replica.
 */
export class Notification extends AggregateRoot {
  private constructor(
    readonly id: string,
    readonly recipientId: string,
    readonly kind: string,
    readonly message: string,
    readonly correlationId: string,
    readonly eventId: string,
    readonly createdAt: Date,
  ) {
    super();
  }

  protected get aggregateType(): string {
    return 'Notification';
  }

  /**
   * The notification `id` (from the store's sequence) of `notice` about `source`; raises
   * `NotificationAdded`. Throws `BAD_USER_INPUT` (field `recipientId` or `message`) for an empty
   * recipient or an empty or over-long message: an event whose payload lacks them is poison and
   * ends in the dead-letter stream.
   */
  static about(id: string, source: NotificationSource, notice: Notice, now: Date = new Date()): Notification {
    const recipientId = ensure.id('recipientId', notice.recipientId);
    const message = ensure.text('message', notice.message, MAX_MESSAGE_LENGTH);
    const notification = new Notification(id, recipientId, source.kind, message, notice.about ?? source.correlationId, source.eventId, now);
    notification.raise<NotificationAdded>('NotificationAdded', { notificationId: id, recipientId, kind: source.kind });
    return notification;
  }
}
