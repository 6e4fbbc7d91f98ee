import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getIntrospectionQuery } from 'graphql';
import { WebSocket } from 'ws';
import { RunningService, SUBGRAPHS } from '@supergraph/kernel';
import { bearer, errorCode, GraphQLResult, redisNamespace, REDIS_URL, subscriptionClient } from '@supergraph/testing';
import { startRouter } from '../src/main';

jest.setTimeout(30_000);

/** Every subgraph played by one server answering each fetch with a coded NOT_FOUND: an operation that gets it passed the router's limits. */
async function answeringSubgraphs() {
  const server: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ errors: [{ message: 'fake subgraph', extensions: { code: 'NOT_FOUND' } }] })));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    env: Object.fromEntries(SUBGRAPHS.map((s) => [`${s.name.toUpperCase()}_URL`, `${base}/${s.name}/graphql`])),
    close: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(resolve));
    },
  };
}

/** A raw request to the router: status, headers and parsed JSON body (null when not JSON). */
async function raw(url: string, init: RequestInit): Promise<{ status: number; headers: Headers; body: GraphQLResult | null }> {
  const response = await fetch(url, init);
  const text = await response.text();
  let body: GraphQLResult | null = null;
  try {
    body = JSON.parse(text) as GraphQLResult;
  } catch {
    body = null;
  }
  return { status: response.status, headers: response.headers, body };
}

const post = (url: string, query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}) =>
  raw(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query, variables }) });

/** `{ ticket(id: "t1") { bookings { ticket { bookings { … id } } } } }`: `levels` fields between `ticket` and `id`, so `levels + 2` fields deep. */
function nested(levels: number): string {
  let selection = 'id';
  for (let i = levels - 1; i >= 0; i -= 1) selection = i % 2 === 0 ? `bookings { ${selection} }` : `ticket { ${selection} }`;
  return `{ ticket(id: "t1") { ${selection} } }`;
}

const PRODUCTION_SECRETS = {
  NODE_ENV: 'production',
  JWT_SECRET: 'edge-test-production-jwt-secret-0123456789',
  ROUTER_CREDENTIAL_SECRET: 'edge-test-production-router-secret-0123456789',
};

describe('router edge limits', () => {
  let subgraphs: Awaited<ReturnType<typeof answeringSubgraphs>>;
  const ns = redisNamespace();
  const started: RunningService[] = [];
  // Each router counts in a namespace of its own: rate-limit counters are per client address, shared by routers on one Redis.
  const start = async (env: NodeJS.ProcessEnv = {}) => {
    const namespace = `${ns.namespace}r${started.length}:`;
    const service = await startRouter({ ...subgraphs.env, LOG_LEVEL: 'silent', REDIS_URL, EVENTS_NAMESPACE: namespace, ...env }, { port: 0, handleSignals: false });
    started.push(service);
    return service;
  };
  let router: RunningService;

  beforeAll(async () => {
    subgraphs = await answeringSubgraphs();
    router = await start();
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.stop()));
    await subgraphs?.close();
    await ns.clear();
  });

  describe('operation limits (defaults: depth 12, aliases 15, tokens 2000, cost 5000, directives 20)', () => {
    it('lets the legitimate nested query ticket → bookings → payment → … and the Sandbox introspection query through', async () => {
      const legit = '{ ticket(id: "t1") { id title bookings { id status payment { id status amount } ticket { id title seatsLeft } } } }';
      expect(errorCode((await post(router.url, legit, await bearer('olga', 'organizer'))).body!)).toBe('NOT_FOUND');
      expect(errorCode((await post(router.url, nested(10))).body!)).toBe('NOT_FOUND'); // 12 fields deep
      const introspection = await post(router.url, getIntrospectionQuery({ descriptions: true, inputValueDeprecation: true, specifiedByUrl: true }));
      expect([introspection.status, introspection.body?.errors]).toEqual([200, undefined]);
      expect(introspection.body?.data?.__schema.queryType.name).toBe('Query');
    });

    it.each([
      ['depth', nested(11), /^Query depth limit of 12 exceeded, found 13\.$/],
      ['aliases', `{ ${Array.from({ length: 16 }, (_, i) => `a${i}: ticket(id: "${i}") { id }`).join(' ')} }`, /^Aliases limit of 15 exceeded, found 16\.$/],
      ['cost', `{ tickets(first: 100) { edges { node { ${Array.from({ length: 8 }, () => 'bookings { payment { id bookingId amount status approvedAt canceledAt } ticket { id title venue price seats } }').join(' ').replace(/bookings/g, (m, i: number) => (i === 0 ? m : `b${i}: ${m}`))} } } } }`, /^Query Cost limit of 5000 exceeded, found \d+/],
      ['directives', `{ ticket(id: "t1") { id ${Array.from({ length: 21 }, () => '@include(if: true)').join(' ')} } }`, /^Directives limit of 20 exceeded, found 21\.$/],
    ])('refuses an operation over the %s limit: 400 GRAPHQL_VALIDATION_FAILED naming the limit', async (_limit, query, message) => {
      const { status, body } = await post(router.url, query);
      expect(status).toBe(400);
      expect(body?.errors?.map((e) => e.extensions?.code)).toContain('GRAPHQL_VALIDATION_FAILED');
      expect(body?.errors?.some((e) => message.test(e.message))).toBe(true);
      expect(JSON.stringify(body)).not.toMatch(/INTERNAL_SERVER_ERROR|stacktrace|Syntax Error/);
    });

    it('refuses a document over the token limit before parsing it: 400 BAD_REQUEST naming the limit', async () => {
      const query = `{ ${Array.from({ length: 1999 }, () => '__typename').join(' ')} }`; // 2001 tokens
      const { status, body } = await post(router.url, query);
      expect([status, body]).toEqual([400, { errors: [{ message: 'Token limit of 2000 exceeded.', extensions: { code: 'BAD_REQUEST' } }] }]);
    });

    it('takes its limits from the environment (MAX_DEPTH, MAX_ALIASES, MAX_TOKENS, MAX_COST, MAX_DIRECTIVES, MAX_BODY_BYTES)', async () => {
      const tight = await start({ MAX_DEPTH: '3', MAX_ALIASES: '1', MAX_TOKENS: '30', MAX_COST: '12', MAX_DIRECTIVES: '1', MAX_BODY_BYTES: '2000' });
      const messages = async (query: string) => (await post(tight.url, query)).body?.errors?.map((e) => e.message);
      expect(await messages(nested(2))).toContain('Query depth limit of 3 exceeded, found 4.');
      expect(await messages('{ a: ticket(id: "1") { id } b: ticket(id: "2") { id } }')).toContain('Aliases limit of 1 exceeded, found 2.');
      const overTokens = `{ ${Array.from({ length: 29 }, () => '__typename').join(' ')} }`;
      expect(await messages(overTokens)).toEqual(['Token limit of 30 exceeded.']);
      const viaGet = await raw(`${tight.url}?query=${encodeURIComponent(overTokens)}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect([viaGet.status, errorCode(viaGet.body!)]).toEqual([400, 'BAD_REQUEST']);
      expect(await messages('{ ticket(id: "1") { id title venue price seats organizerId status createdAt } }')).toEqual([expect.stringMatching(/^Query Cost limit of 12 exceeded, found \d+/)]);
      expect(await messages('{ __typename @skip(if: false) @include(if: true) }')).toEqual(['Directives limit of 1 exceeded, found 2.']);
      expect((await post(tight.url, '{ ticket(id: "1") { id title } }')).body?.errors?.map((e) => e.message)).toEqual(['fake subgraph']);
      const big = await post(tight.url, '{ __typename }', {}, { pad: 'x'.repeat(2000) });
      expect([big.status, errorCode(big.body!)]).toEqual([413, 'BAD_REQUEST']);
    });

    it('applies the same limits over graphql-ws, with the same codes', async () => {
      const client = subscriptionClient(router.url);
      try {
        await client.connected();
        const deep = client.subscribe(nested(11));
        await deep.untilEnded();
        expect(deep.error).toEqual([{ message: 'Query depth limit of 12 exceeded, found 13.', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }]);
        const tokens = client.subscribe(`{ ${Array.from({ length: 1999 }, () => '__typename').join(' ')} }`);
        await tokens.untilEnded();
        expect(tokens.error).toEqual([{ message: 'Token limit of 2000 exceeded.', extensions: { code: 'BAD_REQUEST' } }]);
      } finally {
        await client.close();
      }
    });

    it('refuses U+0000 in variables and string literals (BAD_USER_INPUT), a document without the operation to run (400 BAD_REQUEST, where the gateway answered 500) and persisted queries (not supported)', async () => {
      const nul = await post(router.url, 'query($id: ID!) { ticket(id: $id) { id } }', {}, { id: 'a\u0000b' });
      expect([nul.status, nul.body]).toEqual([400, { errors: [{ message: 'Strings must not contain the NUL character (U+0000).', extensions: { code: 'BAD_USER_INPUT' } }] }]);
      const literal = await post(router.url, '{ ticket(id: "a\\u0000b") { id } }');
      expect([literal.status, errorCode(literal.body!)]).toEqual([400, 'BAD_USER_INPUT']);
      const nested = await post(router.url, 'mutation($i: BookTicketInput!) { bookTicket(input: $i) { id } }', {}, { i: { ticketId: 't1', customerId: '\u0000' } });
      expect([nested.status, errorCode(nested.body!)]).toEqual([400, 'BAD_USER_INPUT']);
      const twoOperations = 'query A { __typename } mutation B { cancelBooking(id: "b1") { id } }';
      for (const operationName of [undefined, 'C']) {
        const { status, body } = await raw(router.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: twoOperations, operationName }) });
        expect([status, body]).toEqual([400, { errors: [{ message: operationName ? 'Unknown operation named "C".' : 'Must provide operation name if query contains multiple operations.', extensions: { code: 'BAD_REQUEST' } }] }]);
      }
      for (const version of [1, 2]) {
        const { status, body } = await raw(router.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ query: '{ __typename }', extensions: { persistedQuery: { version, sha256Hash: '0'.repeat(64) } } }),
        });
        expect([status, errorCode(body!)]).toEqual([200, 'PERSISTED_QUERY_NOT_SUPPORTED']);
      }
    });

    it('never suggests field names (HTTP and graphql-ws)', async () => {
      const { body } = await post(router.url, '{ ticket(id: "1") { titl } }');
      expect(body?.errors?.[0]).toEqual({ message: 'Cannot query field "titl" on type "Ticket".', locations: expect.any(Array), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });
      const client = subscriptionClient(router.url);
      try {
        const typo = client.subscribe('subscription { notificationAded { id } }');
        await typo.untilEnded();
        expect(JSON.stringify(typo.error)).not.toMatch(/Did you mean/);
        expect(JSON.stringify(typo.error)).toMatch(/Cannot query field \\"notificationAded\\"/);
      } finally {
        await client.close();
      }
    });
  });

  describe('rate limits (Redis)', () => {
    it('per client IP: request N+1 in the window is 429 RATE_LIMITED with Retry-After, malformed bodies counted too', async () => {
      const limited = await start({ RATE_LIMIT_PER_IP: '3', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_WINDOW_S: '30' });
      expect((await post(limited.url, '{ __typename }')).status).toBe(200);
      expect((await raw(limited.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query": ' })).status).toBe(400);
      expect((await post(limited.url, '{ __typename }')).status).toBe(200);
      const refused = await post(limited.url, '{ __typename }');
      expect(refused.status).toBe(429);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(Number(refused.headers.get('retry-after'))).toBeLessThanOrEqual(30);
      expect(refused.body).toEqual({ errors: [{ message: expect.stringMatching(/^Too many requests: at most 3 per 30 s for one client address; retry after \d+ s$/), extensions: { code: 'RATE_LIMITED' } }] });
      // /health and /metrics are not counted
      expect((await fetch(limited.url.replace(/\/graphql$/, '/health/live'))).status).toBe(200);
    });

    it('TRUST_PROXY: behind a believed proxy each client named in X-Forwarded-For has its own limit; without it the header changes nothing', async () => {
      const json = (forwardedFor: string) => ({ method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ query: '{ __typename }' }) });
      const behindIngress = await start({ RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_WINDOW_S: '30', TRUST_PROXY: '1' });
      expect((await raw(behindIngress.url, json('203.0.113.1'))).status).toBe(200);
      expect((await raw(behindIngress.url, json('203.0.113.2'))).status).toBe(200);
      expect((await raw(behindIngress.url, json('203.0.113.1'))).status).toBe(429);
      const direct = await start({ RATE_LIMIT_PER_IP: '1', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_WINDOW_S: '30' });
      expect((await raw(direct.url, json('203.0.113.3'))).status).toBe(200);
      expect((await raw(direct.url, json('203.0.113.4'))).status).toBe(429);
    });

    it('per verified subject: one user over the limit is refused (429) while another is not', async () => {
      const limited = await start({ RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '2', RATE_LIMIT_WINDOW_S: '30' });
      const alice = await bearer('alice', 'customer');
      expect((await post(limited.url, '{ __typename }', alice)).status).toBe(200);
      expect((await post(limited.url, '{ __typename }', alice)).status).toBe(200);
      const refused = await post(limited.url, '{ __typename }', alice);
      expect([refused.status, errorCode(refused.body!), Number(refused.headers.get('retry-after')) > 0]).toEqual([429, 'RATE_LIMITED', true]);
      expect(refused.body?.errors?.[0].message).toMatch(/at most 2 per 30 s for one user/);
      expect((await post(limited.url, '{ __typename }', await bearer('bob', 'customer'))).status).toBe(200);
      expect((await post(limited.url, '{ __typename }')).status).toBe(200); // anonymous: only the IP limit (off here)
    });

    it('counts graphql-ws operations too: subscribe N+1 gets an error message coded RATE_LIMITED', async () => {
      const limited = await start({ RATE_LIMIT_PER_IP: '0', RATE_LIMIT_PER_SUBJECT: '2', RATE_LIMIT_WINDOW_S: '30' });
      const client = subscriptionClient(limited.url, await bearer('carol', 'customer'));
      try {
        for (let i = 0; i < 2; i += 1) {
          const ok = client.subscribe('{ __typename }');
          await ok.untilEnded();
          expect(ok.data).toEqual([{ __typename: 'Query' }]);
        }
        const refused = client.subscribe('{ __typename }');
        await refused.untilEnded();
        expect(refused.error).toEqual([{ message: expect.stringMatching(/^Too many requests/), extensions: { code: 'RATE_LIMITED' } }]);
      } finally {
        await client.close();
      }
    });

    it('counts WebSocket handshakes per address: handshake N+1 in the window gets HTTP 429 with Retry-After instead of the upgrade', async () => {
      const limited = await start({ RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_WINDOW_S: '30' });
      const wsUrl = limited.url.replace(/^http/, 'ws');
      const handshake = () =>
        new Promise<{ upgraded: true } | { status: number; retryAfter?: string; body: string }>((resolve, reject) => {
          const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
          socket.once('open', () => {
            socket.close();
            resolve({ upgraded: true });
          });
          socket.once('unexpected-response', (_request, response) => {
            let body = '';
            response.on('data', (chunk: Buffer) => (body += chunk));
            response.on('end', () => resolve({ status: response.statusCode!, retryAfter: response.headers['retry-after'] as string | undefined, body }));
          });
          socket.once('error', reject);
        });
      expect(await handshake()).toEqual({ upgraded: true });
      expect(await handshake()).toEqual({ upgraded: true });
      const refused = await handshake();
      expect(refused).toMatchObject({ status: 429, retryAfter: expect.stringMatching(/^\d+$/) });
      expect(JSON.parse((refused as { body: string }).body)).toEqual({ errors: [{ message: expect.stringMatching(/^Too many requests/), extensions: { code: 'RATE_LIMITED' } }] });
      expect((await post(limited.url, '{ __typename }')).status).toBe(429); // the same limit as HTTP requests
    });

    it('fails open to in-memory limits when Redis is unreachable: never a 500', async () => {
      const limited = await start({ REDIS_URL: 'redis://127.0.0.1:1', RATE_LIMIT_PER_IP: '2', RATE_LIMIT_PER_SUBJECT: '2', RATE_LIMIT_WINDOW_S: '30' });
      const alice = await bearer('alice', 'customer');
      expect((await post(limited.url, '{ __typename }', alice)).status).toBe(200);
      expect((await post(limited.url, '{ __typename }', alice)).status).toBe(200);
      const refused = await post(limited.url, '{ __typename }', alice);
      expect([refused.status, errorCode(refused.body!)]).toEqual([429, 'RATE_LIMITED']);
    });
  });

  describe('CORS, CSRF, introspection', () => {
    it('CORS_ORIGINS: a listed origin gets Access-Control-Allow-Origin (preflight and request), any other none; default: nobody', async () => {
      const cors = await start({ CORS_ORIGINS: 'https://shop.example.com, http://localhost:5173' });
      const preflight = (origin: string, url = cors.url) =>
        fetch(url, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,authorization' } });
      const allowed = await preflight('https://shop.example.com');
      expect([allowed.status, allowed.headers.get('access-control-allow-origin'), allowed.headers.get('access-control-allow-headers')]).toEqual([204, 'https://shop.example.com', expect.stringContaining('authorization')]);
      const denied = await preflight('https://evil.example.com');
      expect(denied.headers.get('access-control-allow-origin')).toBeNull();
      const request = await post(cors.url, '{ __typename }', { origin: 'http://localhost:5173' });
      expect([request.status, request.headers.get('access-control-allow-origin')]).toEqual([200, 'http://localhost:5173']);
      expect((await post(cors.url, '{ __typename }', { origin: 'https://evil.example.com' })).headers.get('access-control-allow-origin')).toBeNull();
      expect((await preflight('https://shop.example.com', router.url)).headers.get('access-control-allow-origin')).toBeNull();
    });

    it('CSRF prevention: a GET or a simple POST without a preflight-forcing header is refused (400 BAD_REQUEST), nothing runs', async () => {
      const get = await raw(`${router.url}?query=${encodeURIComponent('{ __typename }')}`, {});
      expect([get.status, errorCode(get.body!)]).toEqual([400, 'BAD_REQUEST']);
      expect(get.body?.errors?.[0].message).toMatch(/CSRF/);
      const simple = await raw(router.url, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ query: 'mutation { cancelBooking(id: "b1") { id } }' }) });
      expect([simple.status, errorCode(simple.body!)]).toEqual([400, 'BAD_REQUEST']);
      const preflighted = await raw(`${router.url}?query=${encodeURIComponent('{ __typename }')}`, { headers: { 'apollo-require-preflight': 'true' } });
      expect([preflighted.status, preflighted.body?.data]).toEqual([200, { __typename: 'Query' }]);
    });

    it('NODE_ENV=production: introspection refused over HTTP and graphql-ws (allowed outside production)', async () => {
      const production = await start(PRODUCTION_SECRETS);
      const { status, body } = await post(production.url, '{ __schema { types { name } } }');
      expect([status, errorCode(body!)]).toEqual([400, 'GRAPHQL_VALIDATION_FAILED']);
      expect(body?.errors?.[0].message).toMatch(/introspection/i);
      const client = subscriptionClient(production.url);
      try {
        const introspection = client.subscribe('{ __type(name: "Query") { name } }');
        await introspection.untilEnded();
        expect(introspection.error).toEqual([expect.objectContaining({ message: expect.stringMatching(/introspection/i), extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })]);
      } finally {
        await client.close();
      }
      expect((await post(router.url, '{ __schema { queryType { name } } }')).body?.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
    });
  });
});
