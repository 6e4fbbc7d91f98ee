import CircuitBreaker from 'opossum';
import { CALLER_HEADER } from '../auth/internal-credential';
import { DomainError, ErrorCode } from '../domain/errors';
import type { Logger } from '../logger';
import type { BreakerMetrics } from '../metrics/hooks';
import { traceHeaders } from '../tracing/tracing';

/** How a sync client reaches its context and when it gives up; defaults in brackets. */
export interface ServiceClientOptions {
  /** The called context, for messages and breaker name (`payment`). */
  service: string;
  /** Its GraphQL endpoint (`http://127.0.0.1:4003/graphql`). */
  url: string;
  /** The code raised when the service is slow, down or its breaker is open (`PAYMENT_UNAVAILABLE`). */
  unavailableCode: ErrorCode;
  /** Per-call timeout in ms [2000]; CONTRACT.md wants PAYMENT_UNAVAILABLE within 3 s. */
  timeoutMs?: number;
  /** Failure percentage over the rolling window that opens the breaker [50]. */
  errorThresholdPercentage?: number;
  /** Calls in the window before the breaker may open [3]. */
  volumeThreshold?: number;
  /** How long the breaker stays open before a half-open trial call, ms [5000]. */
  resetTimeoutMs?: number;
  /**
   * The caller's service credential for each call, sent as `x-supergraph-caller` (e.g.
   * `() => runtime.credentials.forService('booking')`); the called subgraph answers 401 without one.
   */
  credential?: () => Promise<string>;
  /** Told about the breaker (`circuit_state`, `circuit_events_total`), e.g. the context's `runtime.metrics`. */
  metrics?: BreakerMetrics;
  /** Where a refused credential is reported (the context's logger) [not reported]. */
  logger?: Logger;
}

/** Codes the called service may answer with that are business outcomes, not failures of it. */
const BUSINESS_CODES = new Set<string>(['BAD_USER_INPUT', 'NOT_FOUND', 'SOLD_OUT', 'CONFLICT', 'PAYMENT_DECLINED', 'FORBIDDEN']);

/**
 * Codes of calls that ran nothing at the callee: opossum refused them (breaker open, shut down, at
 * capacity), or the callee refused the caller's credential (`CREDENTIAL_REFUSED`).
 */
const RAN_NOTHING = new Set<string>(['EOPENBREAKER', 'ESHUTDOWN', 'ESEMLOCKED', 'CREDENTIAL_REFUSED']);

/**
 * The callee answered 401: it refused this context's service credential before reading the
 * request (`requireInternalCredential`), so nothing ran there. A misconfiguration (the two hold
 * different `SERVICE_CREDENTIAL_SECRET`s), not an outage; it still counts against the breaker.
 */
class CredentialRefused extends Error {
  readonly code = 'CREDENTIAL_REFUSED';
}

/**
 * Codes of connection failures before any byte of the request went out: refused, host not found
 * (or DNS not answering), host or network unreachable, connect timeout. fetch (undici) reports
 * them as `TypeError('fetch failed')` whose `cause.code` is one of these (an `AggregateError`
 * cause when every address of the host failed).
 */
const NOT_CONNECTED = new Set<string>(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

/**
 * The called service gave no answer: slow, down, failing (5xx, unreadable answer) or its breaker
 * is open. A `DomainError` with the client's `unavailableCode` (e.g. `PAYMENT_UNAVAILABLE`) and a
 * "try again later" message. `outcomeUnknown` tells the caller whether the request may have
 * reached the service, so that its effect may have happened or may still happen:
 * - false: it was certainly never sent (breaker open or shut down, connection refused, host not
 *   found or unreachable), or the callee refused the credential (401) before running anything:
 *   nothing happened there;
 * - true: it was, or may have been, sent (timeout, connection lost after sending, 5xx, an answer
 *   that is not GraphQL): the caller must assume it may have taken effect.
 */
export class ServiceUnavailableError extends DomainError {
  constructor(
    code: ErrorCode,
    message: string,
    readonly outcomeUnknown: boolean,
  ) {
    super(code, message);
    this.name = 'ServiceUnavailableError';
  }
}

/** What an error may carry: opossum's and Node's `code`, fetch's `cause`, an `AggregateError`'s `errors`. */
type ErrorLike = { code?: unknown; cause?: unknown; errors?: unknown } | null | undefined;

/**
 * True when `error`, as the breaker rejected a call, proves that nothing ran at the callee: a code
 * of `RAN_NOTHING` (opossum refused the call, or the callee refused its credential), or a
 * connection that failed before sending (`NOT_CONNECTED`). Read by shape, not `instanceof`:
 * fetch's errors may come from another realm (vm contexts).
 */
function ranNothing(error: unknown): boolean {
  if (RAN_NOTHING.has(String((error as ErrorLike)?.code))) return true;
  return notConnected((error as ErrorLike)?.cause);
}

/** True for a connection failure before sending (`NOT_CONNECTED`), or an `AggregateError` of only such failures. */
function notConnected(cause: unknown): boolean {
  const errors = (cause as ErrorLike)?.errors;
  if (Array.isArray(errors) && errors.length > 0) return errors.every(notConnected);
  return NOT_CONNECTED.has(String((cause as ErrorLike)?.code));
}

interface GraphQLResponse<T> {
  data?: T | null;
  errors?: { message: string; extensions?: { code?: string; field?: string } }[];
}

/**
 * A synchronous call to another context over HTTP/GraphQL, guarded by a timeout and an opossum
 * circuit breaker (ARCHITECTURE.md "Sync calls"). Business errors of the callee (e.g.
 * `PAYMENT_DECLINED`) pass through as `DomainError`s with the same code and do not count
 * against the breaker; timeouts, connection failures, 5xx and an open breaker all raise
 * `ServiceUnavailableError(unavailableCode)` with a "try again later" message, saying whether
 * the request may have reached the callee (`outcomeUnknown`). While open, calls fail at once (no
 * network); after `resetTimeoutMs` one trial call decides whether it closes again.
 */
export class ServiceClient {
  private readonly breaker: CircuitBreaker<[string, Record<string, unknown>, Record<string, string>], unknown>;

  constructor(private readonly options: ServiceClientOptions) {
    this.breaker = new CircuitBreaker((query: string, variables: Record<string, unknown>, headers: Record<string, string>) => this.post(query, variables, headers), {
      name: options.service,
      timeout: options.timeoutMs ?? 2000,
      errorThresholdPercentage: options.errorThresholdPercentage ?? 50,
      volumeThreshold: options.volumeThreshold ?? 3,
      resetTimeout: options.resetTimeoutMs ?? 5000,
      errorFilter: (error: unknown) => error instanceof DomainError,
    });
    options.metrics?.watchBreaker(options.service, this.breaker);
  }

  /** `open`, `halfOpen` or `closed`. */
  get state(): 'open' | 'halfOpen' | 'closed' {
    return this.breaker.opened ? 'open' : this.breaker.halfOpen ? 'halfOpen' : 'closed';
  }

  /**
   * Runs `query` with `variables` (and `headers` on top of the client's, e.g. `x-correlation-id`)
   * and returns its `data`. Raises the callee's business `DomainError`s as they are, or
   * `ServiceUnavailableError(unavailableCode)`.
   */
  async request<T>(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}): Promise<T> {
    try {
      return (await this.breaker.fire(query, variables, headers)) as T;
    } catch (error) {
      if (error instanceof DomainError) throw error;
      if (error instanceof CredentialRefused) {
        this.options.logger?.error({ service: this.options.service, reason: error.message }, `${this.options.service} refused this context's service credential (401): every context must hold the same SERVICE_CREDENTIAL_SECRET`);
      }
      throw new ServiceUnavailableError(this.options.unavailableCode, `${this.options.service} is unavailable, try again later`, !ranNothing(error));
    }
  }

  /** Stops the breaker's timers (on shutdown). */
  shutdown(): void {
    this.breaker.shutdown();
  }

  private async post(query: string, variables: Record<string, unknown>, headers: Record<string, string>): Promise<unknown> {
    const credential: Record<string, string> = this.options.credential ? { [CALLER_HEADER]: await this.options.credential() } : {};
    const response = await fetch(this.options.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers, ...credential, ...traceHeaders() }, // the credential cannot be overridden; + W3C `traceparent` (tracing on)
      body: JSON.stringify({ query, variables }),
      signal: AbortSignal.timeout((this.options.timeoutMs ?? 2000) + 100),
    });
    const body = (await response.json().catch(() => ({}))) as GraphQLResponse<unknown>;
    const error = body.errors?.[0];
    if (response.status === 401) throw new CredentialRefused(error?.message ?? 'no reason given');
    const code = error?.extensions?.code;
    if (error && code && BUSINESS_CODES.has(code)) throw new DomainError(code as ErrorCode, error.message, error.extensions?.field);
    if (!response.ok || error || body.data == null) {
      throw new Error(`${this.options.service} answered ${response.status}: ${error?.message ?? 'no data'}`);
    }
    return body.data;
  }
}
