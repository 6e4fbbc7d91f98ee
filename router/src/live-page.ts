import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import express from 'express';

/** Content types of what the live page serves, by file extension. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
};

/**
 * The page may load only its own files and talk only to its own origin (HTTP and WebSocket):
 * CSP `'self'` covers `ws:`/`wss:` on the same host.
 */
const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join('; ');

/** Where the build puts the compiled page (`router/dist/live`), whether this runs from `src/` or `dist/`. */
export const LIVE_PAGE_DIR = join(__dirname, '..', 'dist', 'live');

/**
 * The live page at `/live`: a person enters a customer id and watches that customer's
 * my-page rows and notifications update over the router's GraphQL WebSocket, with a visible
 * connection state; it reconnects by itself and resumes after the last notification it showed.
 *
 * Serves, for GET and HEAD:
 *  - `/live` (and `/live/`): the HTML (`?customerId=<id>` pre-fills the form and connects),
 *  - `/live/app.js`, `/live/model.js`: the page's code, compiled from `router/live/*.ts` by the
 *    router's `build` into `dir`,
 *  - `/live/styles.css`,
 *  - `/live/graphql-ws.js`: the graphql-ws client's UMD build from `node_modules` (global `graphqlWs`).
 * Every answer carries `Cache-Control: no-cache` (always revalidated by ETag / Last-Modified, so a
 * rebuilt page is never stale) and `X-Content-Type-Options: nosniff`; the HTML also a strict CSP.
 * Any other `/live/...` path is a plain-text 404, as is the page itself when it was not built.
 * Mount it before the GraphQL middleware (which also answers on `/`).
 */
export function livePage(options: { dir?: string } = {}): express.Router {
  const dir = options.dir ?? LIVE_PAGE_DIR;
  const files: Record<string, string> = {
    '': join(dir, 'index.html'),
    'app.js': join(dir, 'app.js'),
    'model.js': join(dir, 'model.js'),
    'styles.css': join(dir, 'styles.css'),
    'graphql-ws.js': graphqlWsUmdPath(),
  };

  const router = express.Router({ caseSensitive: true });
  const serve = (name: string): express.RequestHandler => (_req, res, next) => {
    const file = files[name];
    if (!existsSync(file)) {
      res.status(404).type('text/plain').send(`live page not built (${name || 'index.html'} missing): run npm run build\n`);
      return;
    }
    res.set({
      'Content-Type': CONTENT_TYPES[file.slice(file.lastIndexOf('.'))] ?? 'application/octet-stream',
      'Cache-Control': 'no-cache',
      'X-Content-Type-Options': 'nosniff',
      ...(name === '' ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'Referrer-Policy': 'no-referrer' } : {}),
    });
    res.sendFile(file, { cacheControl: false, dotfiles: 'deny' }, (error) => {
      if (error && !res.headersSent) next(error);
    });
  };
  router.get('/live', serve(''));
  for (const name of Object.keys(files).filter(Boolean)) router.get(`/live/${name}`, serve(name));
  router.all('/live/{*rest}', (_req, res) => {
    res.status(404).type('text/plain').send('not found\n');
  });
  return router;
}

/** The graphql-ws client's UMD build (`umd/graphql-ws.min.js`; the package's exports map does not list it, so found from its package.json). */
function graphqlWsUmdPath(): string {
  return join(dirname(require.resolve('graphql-ws/package.json')), 'umd', 'graphql-ws.min.js');
}
