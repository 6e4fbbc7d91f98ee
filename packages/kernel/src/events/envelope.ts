import { v7 as uuidv7 } from 'uuid';
import type { DomainEvent } from '../domain/aggregate-root';
import { traceHeaders } from '../tracing/tracing';

/**
 * What travels on Redis Streams (ARCHITECTURE.md "Events"), one JSON document per entry:
 * - `id`: uuid v7 of the event (consumers dedup by it),
 * - `type`: past tense (`TicketBooked`), `version`: the payload schema version (1),
 * - `aggregateType`, `aggregateId` (the correlation key of the business flow),
 * - `aggregateVersion`: the aggregate's version after the event (per-aggregate order),
 * - `occurredAt`: ISO-8601 UTC, `producer`: the context that raised it,
 * - `correlationId`: the request/flow it belongs to, `causationId`: the event that caused it
 *   (null for events raised by a client's command),
 * - `traceparent` (optional): the W3C Trace Context `traceparent` (`00-<trace id>-<span id>-<flags>`)
 *   of the span the event was raised in (the subgraph's operation, or the consumer span of the
 *   policy that raised it), so the consumers' `process <type>` spans continue the trace
 *   (`startTracing`). Absent when tracing is off or no span was active; envelopes without it
 *   parse as before and start no trace of their own.
 */
export interface EventEnvelope<P extends object = Record<string, unknown>> {
  id: string;
  type: string;
  version: number;
  aggregateType: string;
  aggregateId: string;
  aggregateVersion: number;
  occurredAt: string;
  producer: string;
  correlationId: string;
  causationId: string | null;
  traceparent?: string;
  payload: P;
}

/** Where an event came from: the flow it belongs to and what caused it. */
export interface EventMeta {
  correlationId: string;
  causationId: string | null;
}

/** Meta for events raised by a policy reacting to `cause`: same flow, caused by it. */
export function causedBy(cause: EventEnvelope): EventMeta {
  return { correlationId: cause.correlationId, causationId: cause.id };
}

/**
 * Wraps a domain event raised by an aggregate of `producer` into an envelope; `traceparent` is the
 * active span's when there is one (tracing on).
 */
export function envelope(event: DomainEvent, producer: string, meta: EventMeta, now: Date = new Date()): EventEnvelope {
  const { traceparent } = traceHeaders();
  return {
    id: uuidv7(),
    type: event.type,
    version: 1,
    aggregateType: event.aggregateType,
    aggregateId: event.aggregateId,
    aggregateVersion: event.aggregateVersion,
    occurredAt: now.toISOString(),
    producer,
    correlationId: meta.correlationId,
    causationId: meta.causationId,
    ...(traceparent ? { traceparent } : {}),
    payload: event.payload,
  };
}

/** Parses an envelope read from a stream entry; throws on anything that is not one. */
export function parseEnvelope(json: string): EventEnvelope {
  const value = JSON.parse(json) as Partial<EventEnvelope>;
  for (const key of ['id', 'type', 'aggregateId', 'correlationId'] as const) {
    if (typeof value[key] !== 'string') throw new Error(`event envelope without ${key}`);
  }
  if (typeof value.payload !== 'object' || value.payload === null) throw new Error('event envelope without payload');
  if (value.traceparent !== undefined && typeof value.traceparent !== 'string') delete value.traceparent;
  return value as EventEnvelope;
}

/** A new id for entities and correlation ids: uuid v7, so ids sort by creation time. */
export function newId(): string {
  return uuidv7();
}
