import autocannon from 'autocannon';
import { percentile } from '@supergraph/stack';

/** One autocannon run against one gateway with one query. */
export interface LoadSpec {
  url: string;
  body: string;
  headers: Record<string, string>;
  connections: number;
  seconds: number;
}

/** What one run measured. Latencies in ms, from every response of the run. */
export interface LoadResult {
  requests: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  /** Responses that were not 200, carried GraphQL `errors` or lacked `data`; plus socket errors and timeouts. */
  errors: number;
  /** The first failed response's status and start of body, for the report. */
  firstError?: string;
  /** Mean response size, bytes. */
  bytesPerResponse: number;
}

/**
 * Drives `spec.url` with autocannon: `connections` keep-alive connections, each sending the next
 * POST as soon as the previous answered, for `seconds`. Every response body is checked (a 200
 * with GraphQL `errors` counts as an error, so a gateway that fails fast does not look fast);
 * percentiles come from every response time (autocannon's own histogram has no p95).
 */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const latencies: number[] = [];
  let failed = 0;
  let firstError: string | undefined;
  const result = await new Promise<autocannon.Result>((resolve, reject) => {
    const instance = autocannon(
      {
        url: spec.url,
        connections: spec.connections,
        duration: spec.seconds,
        timeout: 30,
        requests: [
          {
            method: 'POST',
            headers: { 'content-type': 'application/json', ...spec.headers },
            body: spec.body,
            onResponse: (status: number, body: string) => {
              if (status === 200 && body.startsWith('{"data":{') && !body.includes('"errors":[')) return;
              failed += 1;
              firstError ??= `${status} ${body.slice(0, 300)}`;
            },
          },
        ],
      },
      (error, done) => (error ? reject(error) : resolve(done)),
    );
    instance.on('response', (_client: unknown, _status: number, _bytes: number, responseTime: number) => latencies.push(responseTime));
  });
  const at = (p: number) => percentile(latencies, p);
  return {
    requests: latencies.length,
    rps: latencies.length / spec.seconds,
    p50: at(50),
    p95: at(95),
    p99: at(99),
    errors: failed + result.errors + result.timeouts,
    firstError,
    bytesPerResponse: latencies.length ? result.throughput.total / latencies.length : 0,
  };
}
