import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { waitFor } from '@supergraph/testing';
import { CALLER_HEADER, DEV_ROUTER_CREDENTIAL_SECRET, DEV_SERVICE_CREDENTIAL_SECRET, InternalCredentials } from '../src/auth';
import { DomainError } from '../src/domain';
import { ServiceClient, ServiceClientOptions, ServiceUnavailableError } from '../src/sync/service-client';
import { freePort } from './fixtures';

type Mode = 'ok' | 'declined' | 'bad-input' | 'server-error' | 'graphql-error' | 'not-json' | 'slow' | 'hang-up' | 'refuse-credential';

/** A stand-in for another context's /graphql endpoint; `mode` decides how it answers. */
class FakeService {
  mode: Mode = 'ok';
  hits = 0;
  lastRequest?: { headers: IncomingMessage['headers']; body: { query: string; variables: Record<string, unknown> } };
  private server?: Server;
  private readonly slowTimers = new Set<NodeJS.Timeout>();
  url = '';

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/graphql`;
  }

  async stop(): Promise<void> {
    for (const timer of this.slowTimers) clearTimeout(timer);
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.hits += 1;
    let raw = '';
    for await (const chunk of req) raw += chunk;
    this.lastRequest = { headers: req.headers, body: JSON.parse(raw) };
    const json = (status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    switch (this.mode) {
      case 'ok':
        return void json(200, { data: { approvePayment: { id: 'p-1', status: 'APPROVED' } } });
      case 'declined':
        return void json(200, { data: null, errors: [{ message: 'card declined by issuer', extensions: { code: 'PAYMENT_DECLINED', field: 'input.card' } }] });
      case 'bad-input':
        return void json(200, { data: null, errors: [{ message: 'input.amount: must be greater than 0', extensions: { code: 'BAD_USER_INPUT', field: 'input.amount' } }] });
      case 'graphql-error':
        return void json(200, { data: null, errors: [{ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
      case 'server-error':
        return void res.writeHead(500, { 'content-type': 'text/html' }).end('<h1>500</h1>');
      case 'not-json':
        return void res.writeHead(200, { 'content-type': 'text/plain' }).end('hello');
      case 'hang-up':
        return void req.socket.destroy();
      case 'refuse-credential':
        return void json(401, { errors: [{ message: 'invalid x-supergraph-caller: ERR_JWS_SIGNATURE_VERIFICATION_FAILED', extensions: { code: 'UNAUTHENTICATED' } }] });
      case 'slow': {
        const timer = setTimeout(() => {
          this.slowTimers.delete(timer);
          if (!res.destroyed) json(200, { data: { approvePayment: { id: 'late' } } });
        }, 2000);
        this.slowTimers.add(timer);
        return;
      }
    }
  }
}

const QUERY = 'mutation($input: ApprovePaymentInput!) { approvePayment(input: $input) { id status } }';

describe('ServiceClient (real HTTP)', () => {
  const service = new FakeService();
  const clients: ServiceClient[] = [];
  const client = (options: Partial<ServiceClientOptions> = {}) => {
    const c = new ServiceClient({ service: 'payment', url: service.url, unavailableCode: 'PAYMENT_UNAVAILABLE', timeoutMs: 300, resetTimeoutMs: 400, ...options });
    clients.push(c);
    return c;
  };
  const call = (c: ServiceClient) => c.request<{ approvePayment: { id: string } }>(QUERY, { input: { bookingId: 'b-1', amount: 1000 } });
  /** The error `promise` rejects with, and how long that took. */
  const failure = async (promise: Promise<unknown>) => {
    const started = Date.now();
    try {
      await promise;
    } catch (error) {
      return { error: error as DomainError, ms: Date.now() - started };
    }
    throw new Error('expected the call to fail');
  };

  beforeAll(() => service.start());
  beforeEach(() => {
    service.mode = 'ok';
    service.hits = 0;
  });
  afterEach(() => clients.splice(0).forEach((c) => c.shutdown()));
  afterAll(() => service.stop());

  it('returns data on success, posting query, variables and headers as JSON', async () => {
    const c = client();
    const data = await c.request<{ approvePayment: { id: string; status: string } }>(QUERY, { input: { amount: 1000 } }, { 'idempotency-key': 'b-1' });
    expect(data).toEqual({ approvePayment: { id: 'p-1', status: 'APPROVED' } });
    expect(service.lastRequest?.body).toEqual({ query: QUERY, variables: { input: { amount: 1000 } } });
    expect(service.lastRequest?.headers).toMatchObject({ 'content-type': 'application/json', 'idempotency-key': 'b-1' });
    expect(service.lastRequest?.headers).not.toHaveProperty(CALLER_HEADER);
    expect(c.state).toBe('closed');
  });

  it('with `credential`, sends the credential it gives for each call as x-supergraph-caller, proving the calling context', async () => {
    const credentials = new InternalCredentials({ routerSecret: DEV_ROUTER_CREDENTIAL_SECRET, serviceSecret: DEV_SERVICE_CREDENTIAL_SECRET });
    const given: string[] = [];
    const c = client({
      credential: async () => {
        given.push(await credentials.forService('booking'));
        return given.at(-1)!;
      },
    });
    await call(c);
    await call(c);
    expect(given).toHaveLength(2);
    const sent = service.lastRequest?.headers[CALLER_HEADER];
    expect(sent).toBe(given[1]);
    expect(await credentials.verify(sent as string)).toEqual({ kind: 'service', service: 'booking' });
  });

  it('a refused credential (401) is unavailability whose outcome is known (nothing ran there), logged as the misconfiguration it is', async () => {
    service.mode = 'refuse-credential';
    const lines: { level: number; msg: string; service: string; reason: string }[] = [];
    const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) });
    const { error } = await failure(call(client({ logger })));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: false });
    expect(lines).toEqual([
      expect.objectContaining({ level: 50, service: 'payment', reason: expect.stringContaining('ERR_JWS_SIGNATURE_VERIFICATION_FAILED'), msg: expect.stringContaining('SERVICE_CREDENTIAL_SECRET') }),
    ]);
  });

  it.each([
    ['declined', 'PAYMENT_DECLINED', 'card declined by issuer', 'input.card'],
    ['bad-input', 'BAD_USER_INPUT', 'input.amount: must be greater than 0', 'input.amount'],
  ] as const)('passes a business error (%s) through as DomainError with its code, without opening the breaker', async (mode, code, message, field) => {
    service.mode = mode;
    const c = client({ volumeThreshold: 2 });
    for (let i = 0; i < 6; i += 1) {
      const { error } = await failure(call(c));
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ code, message, field });
    }
    expect(service.hits).toBe(6);
    expect(c.state).toBe('closed');
    service.mode = 'ok';
    await expect(call(c)).resolves.toBeDefined();
  });

  it.each([
    ['a 500 answer', 'server-error'],
    ['a GraphQL error without a business code', 'graphql-error'],
    ['a body that is not JSON', 'not-json'],
    ['a connection closed after the request was sent', 'hang-up'],
  ] as const)('%s raises the unavailable code; the request reached the callee, so its outcome is unknown', async (_what, mode) => {
    service.mode = mode;
    const { error } = await failure(call(client()));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', message: 'payment is unavailable, try again later', outcomeUnknown: true });
    expect(service.hits).toBe(1);
  });

  // `localhost` may resolve to ::1 and 127.0.0.1: when every address refuses, Node may report an AggregateError of them.
  it.each(['127.0.0.1', 'localhost'])('connection refused (%s) raises the unavailable code at once; the request was never sent (outcome known)', async (host) => {
    const c = client({ url: `http://${host}:${await freePort()}/graphql` });
    const { error, ms } = await failure(call(c));
    expect(error).toBeInstanceOf(ServiceUnavailableError);
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: false });
    expect(ms).toBeLessThan(300);
  });

  it('an unknown host raises the unavailable code; the request was never sent (outcome known)', async () => {
    const { error } = await failure(call(client({ url: 'http://payment.invalid/graphql', timeoutMs: 1000 })));
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: false });
  });

  it('a callee slower than timeoutMs raises the unavailable code within the timeout (+ small margin); its outcome is unknown', async () => {
    service.mode = 'slow';
    const { error, ms } = await failure(call(client({ timeoutMs: 300 })));
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: true });
    expect(service.hits).toBe(1);
    expect(ms).toBeGreaterThanOrEqual(290);
    expect(ms).toBeLessThan(300 + 150);
  });

  it('opens after enough failures: calls then fail in < 100 ms without reaching the callee; a half-open trial closes it again', async () => {
    service.mode = 'server-error';
    const c = client({ volumeThreshold: 3, errorThresholdPercentage: 50, resetTimeoutMs: 400 });
    for (let i = 0; i < 3; i += 1) await failure(call(c));
    expect(c.state).toBe('open');
    expect(service.hits).toBe(3);

    service.mode = 'ok'; // healthy again, but the breaker does not know yet
    for (let i = 0; i < 5; i += 1) {
      const { error, ms } = await failure(call(c));
      expect(error).toBeInstanceOf(ServiceUnavailableError);
      expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: false });
      expect(ms).toBeLessThan(100);
    }
    expect(service.hits).toBe(3); // the open breaker never touched the network

    await waitFor('the breaker to go half-open', () => c.state === 'halfOpen', 2000);
    await expect(call(c)).resolves.toEqual({ approvePayment: { id: 'p-1', status: 'APPROVED' } });
    expect(c.state).toBe('closed');
    expect(service.hits).toBe(4);
  });

  it('a client shut down refuses calls without sending them (outcome known)', async () => {
    const c = client();
    c.shutdown();
    const { error } = await failure(call(c));
    expect(error).toMatchObject({ code: 'PAYMENT_UNAVAILABLE', outcomeUnknown: false });
    expect(service.hits).toBe(0);
  });

  it('a failed half-open trial opens it again', async () => {
    service.mode = 'server-error';
    const c = client({ volumeThreshold: 3, resetTimeoutMs: 300 });
    for (let i = 0; i < 3; i += 1) await failure(call(c));
    await waitFor('half-open', () => c.state === 'halfOpen', 2000);
    await failure(call(c));
    expect(c.state).toBe('open');
    expect(service.hits).toBe(4);
  });

  it('timeouts count as failures and open the breaker too', async () => {
    service.mode = 'slow';
    const c = client({ timeoutMs: 150, volumeThreshold: 2 });
    await failure(call(c));
    await failure(call(c));
    expect(c.state).toBe('open');
  });
});
