import { ensure } from '@supergraph/kernel/domain';

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

/**
 * A message to one person about one event (CONTRACT.md `Notification`; SPEC.md 1.6, 1.7, 1.9,
 * 1.11). Immutable once written. At most one exists per (`eventId`, `recipientId`), so an event
 * delivered again never notifies twice. `id` is a uuid v7: ids sort by creation.
 */
export class Notification {
  private constructor(
    readonly id: string,
    readonly recipientId: string,
    readonly kind: string,
    readonly message: string,
    readonly correlationId: string,
    readonly eventId: string,
    readonly createdAt: Date,
  ) {}

  /**
   * The notification of `notice` about `source`. Throws `BAD_USER_INPUT` (field `recipientId`
   * or `message`) for an empty recipient or an empty or over-long message: an event whose
   * payload lacks them is poison and ends in the dead-letter stream.
   */
  static about(id: string, source: NotificationSource, notice: Notice, now: Date = new Date()): Notification {
    const recipientId = ensure.id('recipientId', notice.recipientId);
    const message = ensure.text('message', notice.message, MAX_MESSAGE_LENGTH);
    return new Notification(id, recipientId, source.kind, message, notice.about ?? source.correlationId, source.eventId, now);
  }
}
