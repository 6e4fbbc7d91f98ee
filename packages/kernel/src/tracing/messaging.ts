import { ROOT_CONTEXT as ROOT, SpanKind } from '@opentelemetry/api';
import type { EventEnvelope } from '../events/envelope';
import { contextOf, inSpan } from './tracing';

/**
 * Runs a consumer's handling of `event` (inbox check, handler, outbox, one transaction) inside a
 * CONSUMER span `process <type>`, child of the span the event was raised in (`event.traceparent`;
 * a root span when the envelope has none). Events a policy raises inside carry this span's
 * context, so the trace goes on hop by hop. Attributes (OpenTelemetry messaging conventions):
 * `messaging.system` = `redis`, `messaging.operation.type` = `process`,
 * `messaging.destination.name` (the stream), `messaging.consumer.group.name`,
 * `messaging.message.id` (the envelope id). A no-op span when tracing is off. The parent is the
 * envelope's context only, never whatever was active in the consumer's loop.
 */
export function inConsumerSpan<T>(event: EventEnvelope<object>, stream: string, group: string, work: () => Promise<T>): Promise<T> {
  return inSpan(
    `process ${event.type}`,
    {
      kind: SpanKind.CONSUMER,
      parent: contextOf(event.traceparent, ROOT),
      attributes: {
        'messaging.system': 'redis',
        'messaging.operation.type': 'process',
        'messaging.destination.name': stream,
        'messaging.consumer.group.name': group,
        'messaging.message.id': event.id,
        'event.type': event.type,
        'event.correlation_id': event.correlationId,
      },
    },
    work,
  );
}

/**
 * A live push of `event` to the subscribers listening to it on this replica (`LiveFeed`): a
 * PRODUCER span `push <type>`, child of the span the event was raised in, around the listeners'
 * calls (`live.listeners`: how many). A no-op span when tracing is off.
 */
export function inPushSpan(event: EventEnvelope<object>, stream: string, listeners: number, work: () => void): void {
  void inSpan(
    `push ${event.type}`,
    {
      kind: SpanKind.PRODUCER,
      parent: contextOf(event.traceparent, ROOT),
      attributes: { 'messaging.system': 'redis', 'messaging.destination.name': stream, 'messaging.message.id': event.id, 'live.listeners': listeners },
    },
    async () => work(),
  );
}
