import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { shareInFlight } from './share-in-flight';
import { undiciFetcher } from './undici-fetcher';

/** A real HTTP server answering every POST after 100 ms with a counter, so tests see how many requests reached it. */
async function server() {
  let requests = 0;
  const http: Server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      requests += 1;
      const n = requests;
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ data: { n, nested: { list: [1, 2] } } })), 100);
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/graphql`,
    requests: () => requests,
    close: () => {
      http.closeAllConnections();
      return new Promise((resolve) => http.close(resolve));
    },
  };
}

const QUERY = JSON.stringify({ query: 'query Q__ticket__0{tickets{id}}', variables: {} });
const MUTATION = JSON.stringify({ query: 'mutation M__booking__0{bookTicket{id}}', variables: {} });

describe('shareInFlight (real HTTP server)', () => {
  let subgraph: Awaited<ReturnType<typeof server>>;
  const transport = undiciFetcher({ timeoutMs: 2000 });
  const fetcher = shareInFlight(transport.fetcher, { keyHeaders: ['x-supergraph-caller'] });
  const post = (body: string, caller: string, correlationId = 'c') => fetcher(subgraph.url, { method: 'POST', body, headers: { 'x-supergraph-caller': caller, 'x-correlation-id': correlationId } });
  beforeAll(async () => (subgraph = await server()));
  afterAll(async () => {
    await transport.close();
    await subgraph.close();
  });

  it('sends identical queries of one caller in flight at once only once; each gets its own parsed objects', async () => {
    const before = subgraph.requests();
    const responses = await Promise.all([post(QUERY, 'alice', 'c1'), post(QUERY, 'alice', 'c2'), post(QUERY, 'alice', 'c3')]);
    const bodies = (await Promise.all(responses.map((r) => r.json()))) as { data: { n: number; nested: object } }[];
    expect(subgraph.requests() - before).toBe(1);
    expect(new Set(bodies.map((b) => b.data.n)).size).toBe(1);
    expect(bodies[0].data.nested).not.toBe(bodies[1].data.nested);
    expect(responses.every((r) => r.ok && r.status === 200 && r.headers.get('content-type') === 'application/json')).toBe(true);
  });

  it('keeps callers apart, never shares mutations, and sends again once the answer arrived (no cache)', async () => {
    const before = subgraph.requests();
    await Promise.all([post(QUERY, 'alice'), post(QUERY, 'bob'), post(MUTATION, 'alice'), post(MUTATION, 'alice')].map(async (r) => (await r).text()));
    expect(subgraph.requests() - before).toBe(4);
    await (await post(QUERY, 'alice')).text();
    expect(subgraph.requests() - before).toBe(5);
  });
});
