/**
 * What the event path and the sync clients report to metrics, as plain interfaces: the relay,
 * the consumer and `ServiceClient` take one of these (optional) and depend on nothing else of
 * metrics. `ServiceMetrics` (prom-client) implements them all.
 */

/** Told by `OutboxRelay` after each batch it XADDed and marked published. */
export interface RelayMetrics {
  /** `count` events went out on `stream`. */
  published(stream: string, count: number): void;
}

/** How one delivery to a consumer's handler ended: applied, dropped by the inbox, or failed (retried or dead-lettered). */
export type HandlerOutcome = 'ok' | 'duplicate' | 'error';

/** Told by `StreamConsumer` about each delivery it applied and each entry it dead-lettered. */
export interface ConsumerMetrics {
  /** One delivery of an event of `type` from `stream` ended with `outcome` after `seconds` (handler, inbox and commit). */
  handled(stream: string, type: string, outcome: HandlerOutcome, seconds: number): void;
  /** An entry of `stream` went to `<stream>.dlq` for `group`. */
  deadLettered(stream: string, group: string): void;
}

/** The part of an opossum breaker metrics read: its state flags and its events. */
export interface WatchedBreaker {
  readonly opened: boolean;
  readonly halfOpen: boolean;
  on(event: string, listener: (...args: unknown[]) => void): unknown;
}

/** Told by `ServiceClient` about its breaker once, when the client is built. */
export interface BreakerMetrics {
  /** Follow `breaker` (named after the called service) from now on. */
  watchBreaker(name: string, breaker: WatchedBreaker): void;
}
