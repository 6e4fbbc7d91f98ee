import { z } from 'zod';
import { exitOnConfigError, loadConfig, ROUTER, servicePort } from '@supergraph/kernel';

/**
 * Router configuration: `ROUTER_PORT` (4000), `SUPERGRAPH_PATH` (schema/supergraph.graphql),
 * `SUBGRAPH_TIMEOUT_MS` (10000: upper bound of one subgraph fetch, response body included), plus
 * `SUBSCRIPTION_MAX_QUEUED` (256: results a WebSocket client may fall behind before it is closed
 * with 1013), plus the base variables (`SHUTDOWN_DELAY_MS`, …); subgraph URLs come from `<NAME>_URL` (kernel
 * catalog). A bad variable exits with status 1 after one line naming it.
 */
export function routerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      SUPERGRAPH_PATH: z.string().optional(),
      SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
      SUBSCRIPTION_MAX_QUEUED: z.coerce.number().int().positive().default(256),
    },
    env,
  );
  return { ...config, port: exitOnConfigError(() => servicePort(ROUTER, env)) };
}

export type RouterConfig = ReturnType<typeof routerConfig>;
