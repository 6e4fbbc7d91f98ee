import type { Fetcher } from './undici-fetcher';

type FetcherResponse = Awaited<ReturnType<Fetcher>>;

/** A subgraph answer read to the end, shared by every fetch that waited for it. */
interface SharedAnswer {
  url: string;
  status: number;
  statusText: string;
  headers: FetcherResponse['headers'];
  text: string;
}

/** Which fetches may share one answer. */
export interface ShareInFlightOptions {
  /**
   * Request headers (lower-case) that must be equal too: those that change what the subgraph
   * answers (the caller credential, which names the end user). Others (correlation id,
   * `traceparent`) are observability only: the shared request carries the first fetch's.
   */
  keyHeaders: readonly string[];
}

/**
 * A fetcher that sends identical subgraph queries in flight at the same time once: while a POST
 * whose body is a GraphQL `query` (not a mutation) is waiting for its answer, another fetch of the
 * same URL, the same `keyHeaders` values and the same body (query and variables) waits for that
 * answer instead of sending its own. Each fetch gets its own response over the shared body text,
 * so each parses its own objects and nothing one request's execution merges into its result
 * reaches another's. A failure (timeout, refused connection) fails every fetch that shared it.
 * The answer is forgotten as soon as it arrived: this is no cache, nothing is served after the
 * subgraph answered. Hive Gateway does the same by default (`deduplicateInflightRequests`); under
 * load many clients ask the same public or per-user data at once, and every shared fetch is
 * subgraph work, sockets and parsing not done.
 */
export function shareInFlight(fetcher: Fetcher, options: ShareInFlightOptions): Fetcher {
  const inFlight = new Map<string, Promise<SharedAnswer>>();
  return (async (url: string, init: Parameters<Fetcher>[1] = {}) => {
    if (init.method !== 'POST' || typeof init.body !== 'string' || !isQueryBody(init.body)) return fetcher(url, init);
    const key = `${url}\n${options.keyHeaders.map((name) => init.headers?.[name] ?? '').join('\n')}\n${init.body}`;
    let answer = inFlight.get(key);
    if (!answer) {
      answer = readAnswer(fetcher(url, init)).finally(() => inFlight.delete(key));
      inFlight.set(key, answer);
    }
    return new SharedResponse(await answer);
  }) as Fetcher;
}

/** A body `@apollo/gateway` built for a query: `{"query":"query …` or `{"query":"{…` (it puts `query` first). */
function isQueryBody(body: string): boolean {
  return body.startsWith('{"query":"query') || body.startsWith('{"query":"{');
}

async function readAnswer(pending: ReturnType<Fetcher>): Promise<SharedAnswer> {
  const response = await pending;
  return { url: response.url, status: response.status, statusText: response.statusText, headers: response.headers, text: await response.text() };
}

/** One fetch's view of a shared answer: its own body reads (`json()` parses anew each time). */
class SharedResponse implements FetcherResponse {
  readonly ok: boolean;
  readonly redirected = false;
  bodyUsed = false;

  constructor(private readonly answer: SharedAnswer) {
    this.ok = answer.status >= 200 && answer.status < 300;
  }

  get url(): string {
    return this.answer.url;
  }

  get status(): number {
    return this.answer.status;
  }

  get statusText(): string {
    return this.answer.statusText;
  }

  get headers(): FetcherResponse['headers'] {
    return this.answer.headers;
  }

  async text(): Promise<string> {
    this.bodyUsed = true;
    return this.answer.text;
  }

  async json(): Promise<unknown> {
    return JSON.parse(await this.text());
  }

  async arrayBuffer(): Promise<ArrayBuffer> {
    const bytes = Buffer.from(await this.text());
    return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  }

  clone(): FetcherResponse {
    return new SharedResponse(this.answer);
  }
}
