import type { Express } from 'express';

/** Readiness checks by name (`store`, `redis`, a subgraph): each resolves true when reachable. */
export type ReadinessChecks = Record<string, () => Promise<boolean>>;

/**
 * Mounts `GET /health/live` (200 while the process runs) and `GET /health/ready` (200 when every
 * check passes and the service is not draining, else 503; the body names each check's state).
 * CONTRACT.md "Endpoints".
 */
export function mountHealth(app: Express, checks: ReadinessChecks, isDraining: () => boolean): void {
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  app.get('/health/ready', async (_req, res) => {
    const entries = await Promise.all(
      Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const),
    );
    const ok = !isDraining() && entries.every(([, up]) => up);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ready' : isDraining() ? 'draining' : 'unavailable', checks: Object.fromEntries(entries) });
  });
}
