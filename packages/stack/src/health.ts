import { get } from 'node:http';

/** The outcome of one readiness probe: `ready` on HTTP 200; `detail` says what answered (for errors). */
export interface Probe {
  ready: boolean;
  /** `HTTP 503 {"status":"unavailable",…}`, `connection refused`, `no answer within 1000 ms`, … */
  detail: string;
}

/**
 * One GET of a health endpoint (`/health/ready`, CONTRACT.md "Endpoints"), on a connection of
 * its own that is closed afterwards; never throws. `timeoutMs` bounds the whole exchange.
 */
export function probe(url: string, timeoutMs = 1000): Promise<Probe> {
  return new Promise((resolve) => {
    let settled = false;
    const done = (result: Probe) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      request.destroy();
      resolve(result);
    };
    const request = get(url, { agent: false }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (body.length < 300) body += chunk;
      });
      response.on('end', () => done({ ready: response.statusCode === 200, detail: `HTTP ${response.statusCode} ${body.slice(0, 300)}`.trim() }));
      response.on('error', (error) => done({ ready: false, detail: error.message }));
    });
    request.on('error', (error: NodeJS.ErrnoException) =>
      done({ ready: false, detail: error.code === 'ECONNREFUSED' ? 'connection refused' : error.message }),
    );
    const timer = setTimeout(() => done({ ready: false, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
  });
}
