import { STATUS_CODES } from 'node:http';
import type { RemoteGraphQLDataSource } from '@apollo/gateway';
import { Agent, Dispatcher, request } from 'undici';

/** The fetch-shaped function `RemoteGraphQLDataSource` calls (`@apollo/utils.fetcher`). */
export type Fetcher = RemoteGraphQLDataSource['fetcher'];
type FetcherResponse = Awaited<ReturnType<Fetcher>>;
type FetcherHeaders = FetcherResponse['headers'];

/** How the router's subgraph fetcher behaves; defaults in brackets. */
export interface UndiciFetcherOptions {
  /** Upper bound of one fetch, request sent to response body read, ms (`SUBGRAPH_TIMEOUT_MS`). */
  timeoutMs: number;
  /** How long an idle connection stays open for the next fetch, ms [30000]; subgraphs keep theirs 5 s by default (Node), so the shorter one wins. */
  keepAliveTimeoutMs?: number;
}

/**
 * A subgraph fetcher on `undici.request` with its own keep-alive connection pool (`Agent`), for
 * `RemoteGraphQLDataSource.fetcher`. The stock fetcher (make-fetch-happen) also keeps connections
 * alive but builds a WHATWG-style request, a cache key and a stack trace per fetch;
 * gateway-calibration.md measured +18% gateway throughput from this swap alone.
 *
 * Each fetch is bounded by `timeoutMs` (`AbortSignal.timeout`) from sending the request until its
 * body is read: past it the fetch (or the body read, `text()`/`json()`) rejects with the signal's
 * `TimeoutError` (`error.name === 'TimeoutError'`), which the data source turns into an error
 * naming the subgraph. Other transport failures reject with undici's error (`ECONNREFUSED`, …).
 * Only what the data source uses is implemented: status, headers, `text()`, `json()`,
 * `arrayBuffer()`; `clone()` throws (a body is read once).
 */
export function undiciFetcher(options: UndiciFetcherOptions): { fetcher: Fetcher; close: () => Promise<void> } {
  const agent = new Agent({ keepAliveTimeout: options.keepAliveTimeoutMs ?? 30_000, keepAliveMaxTimeout: options.keepAliveTimeoutMs ?? 30_000 });
  const fetcher = (async (url: string, init: Parameters<Fetcher>[1] = {}) => {
    const signal = AbortSignal.timeout(options.timeoutMs);
    try {
      const response = await request(url, {
        dispatcher: agent,
        method: (init.method ?? 'GET') as Dispatcher.HttpMethod,
        headers: init.headers,
        body: init.body,
        signal,
      });
      return new UndiciResponse(url, response, signal);
    } catch (error) {
      throw signal.aborted ? signal.reason : error;
    }
  }) as Fetcher;
  return { fetcher, close: () => agent.close() };
}

/** One subgraph answer as `RemoteGraphQLDataSource` reads it; a body read past the deadline rejects with the deadline's `TimeoutError`. */
class UndiciResponse implements FetcherResponse {
  readonly ok: boolean;
  readonly status: number;
  readonly statusText: string;
  readonly redirected = false;
  readonly headers: FetcherHeaders;

  constructor(
    readonly url: string,
    private readonly response: Dispatcher.ResponseData,
    private readonly signal: AbortSignal,
  ) {
    this.status = response.statusCode;
    this.ok = this.status >= 200 && this.status < 300;
    this.statusText = STATUS_CODES[this.status] ?? '';
    this.headers = new ResponseHeaders(response.headers);
  }

  get bodyUsed(): boolean {
    return this.response.body.bodyUsed;
  }

  text(): Promise<string> {
    return this.read(() => this.response.body.text());
  }

  json(): Promise<unknown> {
    return this.read(() => this.response.body.json());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.read(() => this.response.body.arrayBuffer());
  }

  clone(): FetcherResponse {
    throw new Error('a subgraph response body is read once; it cannot be cloned');
  }

  private async read<T>(body: () => Promise<T>): Promise<T> {
    try {
      return await body();
    } catch (error) {
      throw this.signal.aborted ? this.signal.reason : error;
    }
  }
}

/** Read-only view of undici's response headers (lower-case names; repeated ones joined with `, `). */
class ResponseHeaders implements FetcherHeaders {
  constructor(private readonly raw: Record<string, string | string[] | undefined>) {}

  get(name: string): string | null {
    const value = this.raw[name.toLowerCase()];
    return value === undefined ? null : Array.isArray(value) ? value.join(', ') : value;
  }

  has(name: string): boolean {
    return this.raw[name.toLowerCase()] !== undefined;
  }

  append(): void {
    throw new Error('response headers are read-only');
  }

  delete(): void {
    throw new Error('response headers are read-only');
  }

  set(): void {
    throw new Error('response headers are read-only');
  }

  *entries(): IterableIterator<[string, string]> {
    for (const name of Object.keys(this.raw)) {
      const value = this.get(name);
      if (value !== null) yield [name, value];
    }
  }

  *keys(): IterableIterator<string> {
    for (const [name] of this.entries()) yield name;
  }

  *values(): IterableIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  [Symbol.iterator](): IterableIterator<[string, string]> {
    return this.entries();
  }
}
