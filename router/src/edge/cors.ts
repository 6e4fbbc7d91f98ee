import cors from 'cors';
import type { RequestHandler } from 'express';

/** Request headers a browser page on an allowed origin may send (preflight `Access-Control-Allow-Headers`). */
const ALLOWED_HEADERS = ['content-type', 'authorization', 'apollo-require-preflight', 'x-apollo-operation-name', 'x-correlation-id'];

/**
 * Parses `CORS_ORIGINS`: comma-separated exact origins (`https://shop.example.com`), blanks
 * ignored; `*` alone allows every origin. Throws naming the bad entry when one is not an origin
 * (scheme, host, optional port; no path), or `*` when `production`: a production router names the
 * sites that may call it.
 */
export function parseCorsOrigins(value: string, production: boolean): string[] {
  const origins = value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  for (const origin of origins) {
    if (origin === '*') {
      if (production) throw new Error('"*" is not allowed when NODE_ENV=production: list the origins');
      if (origins.length > 1) throw new Error('"*" must be the only entry');
      continue;
    }
    let parsed: URL;
    try {
      parsed = new URL(origin);
    } catch {
      throw new Error(`"${origin}" is not an origin (e.g. https://shop.example.com)`);
    }
    if (!/^https?:$/.test(parsed.protocol) || parsed.origin !== origin) throw new Error(`"${origin}" is not an origin (scheme://host[:port], no path or trailing slash)`);
  }
  return origins;
}

/**
 * CORS of the GraphQL paths (`cors` middleware): a request from one of `origins` (exact match;
 * `["*"]`: any) gets `Access-Control-Allow-Origin` with its origin and preflights are answered 204
 * allowing POST and GET and `ALLOWED_HEADERS`, cached 10 min; no credentials (cookies) are allowed,
 * tokens travel in `Authorization`. Any other origin gets no CORS headers (its browser then refuses
 * the answer); `[]` (the default): no cross-origin access at all. Same-origin pages (Sandbox, the
 * live page) need none.
 */
export function corsPolicy(origins: readonly string[]): RequestHandler {
  const any = origins.length === 1 && origins[0] === '*';
  return cors({
    origin: (origin, callback) => callback(null, any || (origin !== undefined && origins.includes(origin))),
    methods: ['GET', 'POST'],
    allowedHeaders: ALLOWED_HEADERS,
    credentials: false,
    maxAge: 600,
  });
}
