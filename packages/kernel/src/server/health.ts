import type { Express } from 'express';

/** Readiness checks by name (`store`, `redis`, a subgraph): each resolves true when reachable. */
export type ReadinessChecks = Record<string, () => Promise<boolean>>;

/** Tuning of the readiness endpoint; defaults in brackets. */
export interface HealthOptions {
  /** A check that has not answered within this many ms counts as down [2000]. */
  checkTimeoutMs?: number;
  /**
   * Checks shown in the body under `dependencies` that do not decide readiness [none]: for the
   * router, each subgraph's own readiness. A dependency down must not take this service out of
   * its load balancer, or one context's outage would become everyone's.
   */
  dependencies?: ReadinessChecks;
}

/**
 * Mounts `GET /health/live` (200 while the process runs) and `GET /health/ready` (200 when every
 * check passes and the service is not draining, else 503; the body names each check's state,
 * and each of `options.dependencies`' under `dependencies`, which do not count).
 * A check that throws, rejects or takes longer than `checkTimeoutMs` counts as down, so the
 * probe always answers. CONTRACT.md "Endpoints".
 */
export function mountHealth(app: Express, checks: ReadinessChecks, isDraining: () => boolean, options: HealthOptions = {}): void {
  const timeoutMs = options.checkTimeoutMs ?? 2000;
  app.get('/health/live', (_req, res) => {
    res.json({ status: 'live' });
  });
  const run = (all: ReadinessChecks) => Promise.all(Object.entries(all).map(async ([name, check]) => [name, await withinTimeout(check, timeoutMs)] as const));
  app.get('/health/ready', async (_req, res) => {
    const [entries, dependencies] = await Promise.all([run(checks), options.dependencies ? run(options.dependencies) : undefined]);
    const ok = !isDraining() && entries.every(([, up]) => up);
    res.status(ok ? 200 : 503).json({
      status: ok ? 'ready' : isDraining() ? 'draining' : 'unavailable',
      checks: Object.fromEntries(entries),
      ...(dependencies ? { dependencies: Object.fromEntries(dependencies) } : {}),
    });
  });
}

/** Runs `check`; false if it throws, rejects, answers anything but true, or is slower than `timeoutMs`. */
async function withinTimeout(check: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return (await Promise.race([Promise.resolve().then(check), late])) === true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
