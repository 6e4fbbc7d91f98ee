import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { createErrorFormatter, createLogger, mountHealth, newId, REPO_ROOT, RunningService, serviceUrl, stopOnSignals, subgraph, SUBGRAPHS } from '@supergraph/kernel';
import { join } from 'node:path';
import { routerConfig } from './config';
import { GatewayContext, SubgraphDataSource } from './subgraph-data-source';

/**
 * The one entry point (CONTRACT.md "Endpoints"): `@apollo/gateway` on the committed static
 * supergraph, served by `@apollo/server` at `/graphql` (POST, and GET for queries) and `/`;
 * a browser's GET on either gets Apollo Sandbox. `/health/ready` is 200 only when every
 * subgraph's own readiness answers 200 within 1 s.
 */
export async function startRouter(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}): Promise<RunningService> {
  const config = routerConfig(env);
  const logger = createLogger('router', config.LOG_LEVEL);
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH ?? join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => new SubgraphDataSource({ url: serviceUrl(subgraph(name), env) }),
  });

  const app = express();
  const httpServer = createServer(app);
  let draining = false;
  const readiness = Object.fromEntries(
    SUBGRAPHS.map((service) => [
      service.name,
      async () => (await fetch(serviceUrl(service, env).replace(/\/graphql$/, '/health/ready'), { signal: AbortSignal.timeout(1000) })).ok,
    ]),
  );
  mountHealth(app, readiness, () => draining);

  const production = config.NODE_ENV === 'production';
  const server = new ApolloServer<GatewayContext>({
    gateway,
    formatError: createErrorFormatter(logger),
    includeStacktraceInErrorResponses: false,
    stopOnTerminationSignals: false,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      production ? ApolloServerPluginLandingPageProductionDefault() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await server.start();
  app.use(
    ['/graphql', '/'],
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => {
        const header = req.headers['x-correlation-id'];
        return { correlationId: typeof header === 'string' && header.length <= 100 ? header : newId() };
      },
    }),
  );

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? config.port, config.SERVICE_HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.SERVICE_HOST === '0.0.0.0' ? 'localhost' : config.SERVICE_HOST}:${port}/graphql`;
  logger.info({ url }, 'router ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      await server.stop();
      logger.info('router stopped');
    })());
  if (options.handleSignals ?? true) stopOnSignals(stop, logger);
  return { url, port, stop };
}

if (require.main === module) void startRouter();
