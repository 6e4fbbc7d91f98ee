#!/usr/bin/env node
/**
 * Container health probe (Dockerfile HEALTHCHECK, compose healthchecks):
 *   node docker/healthcheck.cjs [live|ready]
 * GETs http://127.0.0.1:<port>/health/<live|ready> (CONTRACT.md "Endpoints") and exits 0 on a
 * 2xx answer within 2 s, 1 otherwise.
 * Port: HEALTHCHECK_PORT when set, else the service's own port as the kernel catalog computes it
 * (`<NAME>_PORT`, else its default), the service found by SERVICE_WORKSPACE (set in the image).
 * Loads only packages/kernel/dist/catalog.js (no ORM, no Redis), so a probe costs a few ms.
 */
'use strict';
const path = require('node:path');

const probe = process.argv[2] === 'ready' ? 'ready' : 'live';

function port() {
  if (process.env.HEALTHCHECK_PORT) return Number(process.env.HEALTHCHECK_PORT);
  const { ROUTER, SUBGRAPHS, servicePort } = require(path.join(__dirname, '..', 'packages', 'kernel', 'dist', 'catalog.js'));
  const workspace = process.env.SERVICE_WORKSPACE;
  const entry = [ROUTER, ...SUBGRAPHS].find((service) => service.workspace === workspace);
  if (!entry) throw new Error(`no catalog service for SERVICE_WORKSPACE=${workspace}; set HEALTHCHECK_PORT`);
  return servicePort(entry);
}

(async () => {
  const url = `http://127.0.0.1:${port()}/health/${probe}`;
  const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
})().then(
  () => process.exit(0),
  (error) => {
    process.stderr.write(`healthcheck ${probe}: ${error.message}\n`);
    process.exit(1);
  },
);
