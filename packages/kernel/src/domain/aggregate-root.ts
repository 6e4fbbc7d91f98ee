/**
 * A domain event as an aggregate raises it: past-tense `type` (`TicketBooked`), the id of the
 * aggregate it is about and a JSON-serialisable payload. The kernel wraps it in an
 * `EventEnvelope` (id, occurredAt, correlation/causation ids) when it goes to the outbox.
 */
export interface DomainEvent<P extends object = Record<string, unknown>> {
  readonly type: string;
  readonly aggregateType: string;
  readonly aggregateId: string;
  /** The aggregate's version right after this event (1 for the creating event). */
  readonly aggregateVersion: number;
  readonly payload: P;
}

/**
 * Base of every aggregate: it records the events raised by its intent methods until the unit
 * of work stages them in the outbox (same transaction as the aggregate's own rows).
 * `version` counts the events ever raised; it is persisted and gives per-aggregate order.
 */
export abstract class AggregateRoot {
  abstract readonly id: string;
  version = 0;
  /** Not a field initialiser: the ORM hydrates aggregates without calling constructors. */
  private declare pendingEvents?: DomainEvent[];

  /** The aggregate type used in event envelopes (`Ticket`, `Booking`). */
  protected abstract get aggregateType(): string;

  protected raise<P extends object>(type: string, payload: P): void {
    this.version += 1;
    (this.pendingEvents ??= []).push({ type, aggregateType: this.aggregateType, aggregateId: this.id, aggregateVersion: this.version, payload: payload as Record<string, unknown> });
  }

  /** Returns the events raised since the last call and forgets them. */
  pullEvents(): DomainEvent[] {
    const events = this.pendingEvents ?? [];
    this.pendingEvents = [];
    return events;
  }
}

/** True for aggregates (used by the unit of work to find what raised events). */
export function isAggregateRoot(value: unknown): value is AggregateRoot {
  return value instanceof AggregateRoot;
}
