import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { RunningService, SUBGRAPHS } from '@supergraph/kernel';
import { captureExit, errorCode, gql, metricSample, postBadBodies, waitFor } from '@supergraph/testing';
import { startRouter } from '../src/main';

jest.setTimeout(30_000);

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;

/**
 * One HTTP server standing in for every subgraph: `<NAME>_URL` is `http://127.0.0.1:<port>/<name>/graphql`,
 * so each request says which subgraph it is for. Tests script the answers.
 */
async function fakeSubgraphs() {
  const received: { subgraph: string; path: string; headers: IncomingMessage['headers']; body: string }[] = [];
  const handlers = new Map<string, Handler>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      const [, subgraph, ...rest] = (req.url ?? '').split('/');
      const path = `/${rest.join('/')}`;
      received.push({ subgraph, path, headers: req.headers, body });
      const handler = handlers.get(`${subgraph} ${path}`) ?? handlers.get(`* ${path}`);
      if (handler) handler(req, res, body);
      else res.writeHead(404).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    received,
    /** Answers requests of `subgraph` (`*`: any) on `path` with `handler`. */
    on(subgraph: string, path: string, handler: Handler) {
      handlers.set(`${subgraph} ${path}`, handler);
    },
    /** Forgets every scripted answer (unscripted requests get 404). */
    reset: () => handlers.clear(),
    env: Object.fromEntries(SUBGRAPHS.map((s) => [`${s.name.toUpperCase()}_URL`, `${base}/${s.name}/graphql`])),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

const json = (res: ServerResponse, status: number, body: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));
const badRequest = (message: string) => ({ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] });
const REGISTER = 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id } }';
const TICKET = 'query($id: ID!) { ticket(id: $id) { id title } }';

/** The router on the committed supergraph, every subgraph played by `fakeSubgraphs`. */
describe('router (fake subgraphs)', () => {
  let subgraphs: Awaited<ReturnType<typeof fakeSubgraphs>>;
  let router: RunningService;
  const started: RunningService[] = [];
  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const service = await startRouter({ ...subgraphs.env, LOG_LEVEL: 'silent', SUBGRAPH_TIMEOUT_MS: '300', ...env }, { port: 0, handleSignals: false });
    started.push(service);
    return service;
  };

  beforeAll(async () => {
    subgraphs = await fakeSubgraphs();
    router = await start();
  });
  beforeEach(() => subgraphs.reset());
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await subgraphs?.close();
  });

  it('passes GraphQL errors a subgraph answers with a non-2xx status (variable coercion) on with their codes, and nothing else of them', async () => {
    subgraphs.on('ticket', '/graphql', (_req, res) =>
      json(res, 400, {
        errors: [
          {
            message: 'Variable "$input" got invalid value "tomorrow" at "input.saleStartsAt"; DateTime must be an ISO-8601 instant, e.g. 2026-11-21T01:14:00Z',
            locations: [{ line: 1, column: 10 }],
            extensions: { code: 'BAD_USER_INPUT', stacktrace: ['GraphQLError: DateTime must be …', '    at parseDate (/srv/app/packages/kernel/dist/graphql/scalars.js:1:1)'] },
          },
          { message: 'Variable "$input" got invalid value "x" at "input.saleEndsAt"', extensions: { code: 'BAD_USER_INPUT' } },
        ],
      }),
    );
    const input = { title: 'T', venue: 'V', price: 1000, seats: 10, saleStartsAt: 'tomorrow', saleEndsAt: 'x' };
    const result = await gql(router.url, REGISTER, { input });
    expect(result.data ?? null).toBeNull();
    expect(result.errors?.map(({ message, extensions }) => ({ message, extensions }))).toEqual([
      { message: expect.stringContaining('"input.saleStartsAt"'), extensions: { code: 'BAD_USER_INPUT' } },
      { message: expect.stringContaining('"input.saleEndsAt"'), extensions: { code: 'BAD_USER_INPUT' } },
    ]);
    expect(JSON.stringify(result)).not.toMatch(/stacktrace|serviceName|\/srv\/|127\.0\.0\.1/);
  });

  it('a subgraph refusing the router credential (401) is a fault of the router: INTERNAL_SERVER_ERROR, never UNAUTHENTICATED nor what the subgraph said', async () => {
    subgraphs.on('ticket', '/graphql', (_req, res) => json(res, 401, { errors: [{ message: 'invalid x-supergraph-caller: ERR_JWS_SIGNATURE_VERIFICATION_FAILED', extensions: { code: 'UNAUTHENTICATED' } }] }));
    const result = await gql(router.url, TICKET, { id: 't1' });
    expect(result.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(result)).not.toMatch(/supergraph-caller|ERR_JWS|UNAUTHENTICATED/);
  });

  it('a non-2xx answer without a GraphQL body stays INTERNAL_SERVER_ERROR without its details', async () => {
    subgraphs.on('ticket', '/graphql', (_req, res) => res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1> upstream 10.0.0.7:4001'));
    const result = await gql(router.url, TICKET, { id: 't1' });
    expect(result.errors).toEqual([expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } })]);
    expect(JSON.stringify(result)).not.toMatch(/10\.0\.0\.7|Bad gateway|502/);
  });

  it('a subgraph that does not answer fails its fetch within SUBGRAPH_TIMEOUT_MS with a coded error', async () => {
    subgraphs.on('ticket', '/graphql', () => undefined); // never answers
    const started = Date.now();
    const result = await gql(router.url, TICKET, { id: 't1' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(errorCode(result)).toBe('INTERNAL_SERVER_ERROR');
    expect(result.errors?.[0].message).toBe('Internal server error');
  });

  it('answers a malformed JSON body and one over 1 MB with a GraphQL-shaped BAD_REQUEST (400, 413) and no stack', async () => {
    const { malformed, oversized } = await postBadBodies(router.url);
    expect([malformed.status, malformed.contentType, JSON.parse(malformed.text)]).toEqual([400, expect.stringMatching(/^application\/json/), badRequest('The request body is not valid JSON')]);
    expect([oversized.status, JSON.parse(oversized.text)]).toEqual([413, badRequest('The request body is larger than the limit of 1048576 bytes')]);
  });

  it('forwards an acceptable client correlation id to the subgraphs and replaces any other', async () => {
    subgraphs.on('ticket', '/graphql', (_req, res) => json(res, 200, { data: { ticket: { id: 't1', title: 'Swan Lake' } } }));
    const forwarded = async (header: string) => {
      const before = subgraphs.received.length;
      expect((await gql(router.url, TICKET, { id: 't1' }, { 'x-correlation-id': header })).data).toEqual({ ticket: { id: 't1', title: 'Swan Lake' } });
      return subgraphs.received.slice(before).find((r) => r.subgraph === 'ticket')!.headers['x-correlation-id'];
    };
    expect(await forwarded('client-trace:42')).toBe('client-trace:42');
    const replaced = await forwarded('<script>alert(1)</script>');
    expect(replaced).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  });

  it('GET /metrics: operations by name, type and outcome; subgraph fetches by subgraph and outcome; live subscriptions', async () => {
    const own = await start();
    subgraphs.on('ticket', '/graphql', (_req, res) => json(res, 200, { data: { ticket: { id: 't1', title: 'Swan Lake' } } }));
    expect((await gql(own.url, TICKET.replace('query(', 'query TicketById('), { id: 't1' })).data).toEqual({ ticket: { id: 't1', title: 'Swan Lake' } });
    subgraphs.on('ticket', '/graphql', (_req, res) => res.writeHead(502).end('bad gateway'));
    expect(errorCode(await gql(own.url, TICKET.replace('query(', 'query Broken('), { id: 't1' }))).toBe('INTERNAL_SERVER_ERROR');
    const response = await fetch(own.url.replace(/\/graphql$/, '/metrics'));
    expect(response.status).toBe(200);
    const text = await response.text();
    const router = { service: 'router' };
    expect(metricSample(text, 'supergraph_graphql_requests_total', { ...router, operation: 'TicketById', type: 'query', outcome: 'ok' })).toBe(1);
    expect(metricSample(text, 'supergraph_graphql_requests_total', { ...router, operation: 'Broken', type: 'query', outcome: 'INTERNAL_SERVER_ERROR' })).toBe(1);
    expect(metricSample(text, 'supergraph_graphql_request_duration_seconds_count', { ...router, operation: 'TicketById', type: 'query' })).toBe(1);
    expect(metricSample(text, 'supergraph_subgraph_fetch_duration_seconds_count', { ...router, subgraph: 'ticket', outcome: 'ok' })).toBe(1);
    expect(metricSample(text, 'supergraph_subgraph_fetch_duration_seconds_count', { ...router, subgraph: 'ticket', outcome: 'error' })).toBe(1);
    expect(metricSample(text, 'supergraph_live_subscriptions', { ...router, kind: 'client' })).toBe(0);
    expect(metricSample(text, 'supergraph_live_subscriptions', { ...router, kind: 'upstream' })).toBe(0);
    expect(text).toMatch(/^process_cpu_user_seconds_total\{service="router"\} /m);
  });

  it('is ready when its Redis answers, whatever the subgraphs; reports each subgraph and releases each probe connection at once', async () => {
    let closed = 0;
    subgraphs.on('*', '/health/ready', (_req, res) => {
      res.on('close', () => (closed += 1));
      res.writeHead(200, { 'content-type': 'application/json' }).write('{"status":"ready",'); // a body that never ends
    });
    const health = router.url.replace(/\/graphql$/, '/health/ready');
    const ready = await fetch(health);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ready', checks: { redis: true }, dependencies: Object.fromEntries(SUBGRAPHS.map((s) => [s.name, true])) });
    // The probe's timeout (1 s) would close them too, much later: they are released at once.
    await waitFor('every probe connection released', () => closed >= SUBGRAPHS.length, 500, 10);

    // Payment down is payment's outage (bookings fail with PAYMENT_UNAVAILABLE), not the router's.
    subgraphs.on('payment', '/health/ready', (_req, res) => json(res, 503, { status: 'unavailable' }));
    const paymentDown = await fetch(health);
    expect(paymentDown.status).toBe(200);
    expect(await paymentDown.json()).toMatchObject({ status: 'ready', checks: { redis: true }, dependencies: { payment: false, ticket: true } });
  });

  it('is not ready while its Redis is unreachable (CONTRACT.md "Endpoints"); without rate limits it holds no Redis and needs none', async () => {
    subgraphs.on('*', '/health/ready', (_req, res) => json(res, 200, { status: 'ready' }));
    const noRedis = await start({ REDIS_URL: 'redis://127.0.0.1:1' });
    const down = await fetch(noRedis.url.replace(/\/graphql$/, '/health/ready'));
    expect(down.status).toBe(503);
    expect(await down.json()).toMatchObject({ status: 'unavailable', checks: { redis: false } });
    const unlimited = await start({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '0' });
    const ready = await fetch(unlimited.url.replace(/\/graphql$/, '/health/ready'));
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ status: 'ready', checks: {} });
  });

  it('stop(): readiness 503 for SHUTDOWN_DELAY_MS, then an in-flight request gets at most the HTTP grace period (5 s)', async () => {
    subgraphs.on('*', '/health/ready', (_req, res) => json(res, 200, { status: 'ready' }));
    subgraphs.on('ticket', '/graphql', () => undefined); // never answers
    const service = await start({ SUBGRAPH_TIMEOUT_MS: '60000', SHUTDOWN_DELAY_MS: '300' });
    const health = service.url.replace(/\/graphql$/, '/health/ready');
    expect((await fetch(health)).status).toBe(200);
    const inFlight = gql(service.url, TICKET, { id: 't1' }).catch((error: Error) => error);
    await waitFor('the request to reach the subgraph', () => subgraphs.received.some((r) => r.subgraph === 'ticket' && r.path === '/graphql' && r.body.includes('t1')));

    const stopping = Date.now();
    const stopped = service.stop();
    const draining = await waitFor('readiness 503 while draining', async () => {
      const res = await fetch(health);
      return res.status === 503 ? res.json() : undefined;
    }, 1000, 10);
    expect(draining).toMatchObject({ status: 'draining' });
    await stopped;
    expect(Date.now() - stopping).toBeLessThan(8000);
    expect(String(await inFlight)).toMatch(/fetch failed/); // its connection was closed
  });

  /** What `startRouter(env)` printed to stderr before it exited with status 1 (`process.exit` stubbed). */
  async function configRefusal(env: NodeJS.ProcessEnv): Promise<string[]> {
    const { exitCode, stderr } = await captureExit(() => startRouter(env));
    expect(exitCode).toBe(1);
    return stderr;
  }

  it("keeps @apollo/gateway's usage reporting to Apollo off unless the environment asks for it", async () => {
    // The gateway reads process.env when it is built (every router above was built without the variable).
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('true');
    await start({ APOLLO_TELEMETRY_DISABLED: 'false' });
    expect(process.env.APOLLO_TELEMETRY_DISABLED).toBe('false');
    delete process.env.APOLLO_TELEMETRY_DISABLED;
  });

  it('a bad ROUTER_PORT exits with status 1 after one line naming it', async () => {
    expect(await configRefusal({ ...subgraphs.env, ROUTER_PORT: 'abc' })).toEqual(['Invalid configuration: ROUTER_PORT: expected a port number 0-65535, received "abc"\n']);
  });

  it('NODE_ENV=production: the development JWT_SECRET and the CHANGE-ME placeholders of the k8s Secret are refused at start', async () => {
    const own = { ROUTER_CREDENTIAL_SECRET: 'router-int-test-router-secret-0123456789' };
    for (const JWT_SECRET of [undefined, 'CHANGE-ME-jwt-hs256-secret-placeholder-0003']) {
      expect(await configRefusal({ ...subgraphs.env, ...own, NODE_ENV: 'production', ...(JWT_SECRET ? { JWT_SECRET } : {}) })).toEqual([expect.stringMatching(/^Invalid configuration: JWT_SECRET: .*not a CHANGE-ME placeholder/)]);
    }
    expect(await configRefusal({ ...subgraphs.env, ROUTER_CREDENTIAL_SECRET: 'CHANGE-ME-router-credential-secret-placeholder-0001', JWT_SECRET: 'router-int-test-jwt-secret-0123456789', NODE_ENV: 'production' })).toEqual([
      expect.stringMatching(/^Invalid configuration: ROUTER_CREDENTIAL_SECRET: is a CHANGE-ME placeholder/),
    ]);
  });
});
