import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { undiciFetcher } from './undici-fetcher';

/** A real HTTP server: answers JSON after `delayMs` (per request path `/slow` or `/slow-body`), counts TCP connections. */
async function server() {
  let connections = 0;
  const http: Server = createServer((req, res) => {
    if (req.url === '/slow') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"late":true}'), 500);
      return;
    }
    if (req.url === '/slow-body') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"partial":');
      setTimeout(() => res.end('true}'), 500);
      return;
    }
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => res.writeHead(201, { 'content-type': 'application/json', 'x-echo': req.headers['x-echo'] ?? '' }).end(JSON.stringify({ body, method: req.method })));
  });
  http.on('connection', () => (connections += 1));
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(http.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () => {
      http.closeAllConnections();
      return new Promise((resolve) => http.close(resolve));
    },
  };
}

describe('undiciFetcher (real HTTP server)', () => {
  let subgraph: Awaited<ReturnType<typeof server>>;
  const fetcher = undiciFetcher({ timeoutMs: 200 });
  beforeAll(async () => (subgraph = await server()));
  afterAll(async () => {
    await fetcher.close();
    await subgraph.close();
  });

  it('sends method, headers and body and reads status, headers and JSON', async () => {
    const response = await fetcher.fetcher(`${subgraph.url}/graphql`, { method: 'POST', headers: { 'x-echo': 'yes', 'content-type': 'application/json' }, body: '{"query":"{x}"}' });
    expect(response).toMatchObject({ ok: true, status: 201, statusText: 'Created' });
    expect(response.headers.get('Content-Type')).toBe('application/json');
    expect(response.headers.get('x-echo')).toBe('yes');
    expect(await response.json()).toEqual({ body: '{"query":"{x}"}', method: 'POST' });
  });

  it('reuses one kept-alive connection for sequential fetches', async () => {
    const before = subgraph.connections();
    for (let i = 0; i < 5; i += 1) await (await fetcher.fetcher(`${subgraph.url}/graphql`, { method: 'POST', body: '{}' })).text();
    expect(subgraph.connections() - before).toBeLessThanOrEqual(1);
  });

  it('rejects with a TimeoutError when the answer does not come within timeoutMs', async () => {
    const started = Date.now();
    await expect(fetcher.fetcher(`${subgraph.url}/slow`, { method: 'POST', body: '{}' })).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(Date.now() - started).toBeLessThan(450);
  });

  it('rejects the body read with a TimeoutError when the body does not finish within timeoutMs', async () => {
    const response = await fetcher.fetcher(`${subgraph.url}/slow-body`, { method: 'POST', body: '{}' });
    await expect(response.json()).rejects.toMatchObject({ name: 'TimeoutError' });
  });
});
