import { z } from 'zod';
import { loadConfig, ROUTER, servicePort } from '@supergraph/kernel';

/**
 * Router configuration: `ROUTER_PORT` (4000), `SUPERGRAPH_PATH` (schema/supergraph.graphql),
 * `SUBGRAPH_TIMEOUT_MS` (10000: upper bound of one subgraph fetch), plus the base variables;
 * subgraph URLs come from `<NAME>_URL` (kernel catalog).
 */
export function routerConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = loadConfig(
    {
      SUPERGRAPH_PATH: z.string().optional(),
      SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().positive().default(10_000),
    },
    env,
  );
  return { ...config, port: servicePort(ROUTER, env) };
}

export type RouterConfig = ReturnType<typeof routerConfig>;
