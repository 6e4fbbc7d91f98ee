import { BreakerMetrics, DomainError, EventMeta, Logger, ServiceClient } from '@supergraph/kernel';
import type { PaymentPort, PaymentRequest } from '../../application/commands/book-ticket/book-ticket.handler';

/** Where payment is and when booking gives up on it. */
export interface PaymentClientOptions {
  /** Payment's GraphQL endpoint (kernel catalog: `PAYMENT_URL`, else `http://127.0.0.1:<PAYMENT_PORT>/graphql`). */
  url: string;
  /** Per-call timeout, ms (`PAYMENT_TIMEOUT_MS`, default 2000; CONTRACT.md wants an answer within 3 s). */
  timeoutMs: number;
  /** Where the breaker's state and events are reported (booking's `runtime.metrics`). */
  metrics?: BreakerMetrics;
  /**
   * Booking's service credential for each call (`() => runtime.credentials.forService('booking')`):
   * payment approves only calls that carry it.
   */
  credential: () => Promise<string>;
  /** Where payment refusing booking's credential (401, mismatched `SERVICE_CREDENTIAL_SECRET`) is reported. */
  logger?: Logger;
}

const APPROVE = `mutation ApprovePayment($input: ApprovePaymentInput!) {
  approvePayment(input: $input) { id status }
}`;

/**
 * Booking's sync client of the payment context (SPEC.md 1.4, 1.5; ARCHITECTURE.md "Sync
 * calls"): the kernel `ServiceClient`, signing every call with booking's service credential,
 * with a timeout and an opossum breaker that opens when at least half of the last calls (3 or
 * more within 10 s) failed, fails fast while open and tries again after 5 s. Payment's business
 * errors pass through (`PAYMENT_DECLINED`, `CONFLICT`, `BAD_USER_INPUT`); slow, down or open →
 * `PAYMENT_UNAVAILABLE` "try again later".
 */
export class PaymentClient implements PaymentPort {
  private readonly client: ServiceClient;

  constructor(options: PaymentClientOptions) {
    this.client = new ServiceClient({
      service: 'payment',
      url: options.url,
      unavailableCode: 'PAYMENT_UNAVAILABLE',
      timeoutMs: options.timeoutMs,
      errorThresholdPercentage: 50,
      volumeThreshold: 3,
      resetTimeoutMs: 5000,
      metrics: options.metrics,
      credential: options.credential,
      logger: options.logger,
    });
  }

  /**
   * Asks payment to approve `request.amount` KRW for booking `request.bookingId` (idempotent by
   * booking id), in the flow of `meta` (header `x-correlation-id`: `PaymentApproved` carries it).
   * Resolves once approved; throws `PAYMENT_DECLINED`, or `PAYMENT_UNAVAILABLE` as a
   * `ServiceUnavailableError` saying whether the call may have reached payment.
   */
  async approve(request: PaymentRequest, meta: EventMeta): Promise<void> {
    const data = await this.client.request<{ approvePayment: { id: string; status: string } }>(APPROVE, { input: request }, { 'x-correlation-id': meta.correlationId });
    if (data.approvePayment.status !== 'APPROVED') {
      throw new DomainError('PAYMENT_DECLINED', `payment ${data.approvePayment.id} of booking ${request.bookingId} is ${data.approvePayment.status}`);
    }
  }

  /** Stops the breaker's timers (on shutdown). */
  shutdown(): void {
    this.client.shutdown();
  }
}
