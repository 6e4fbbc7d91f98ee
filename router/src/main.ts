import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import {
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  createErrorFormatter,
  createLogger,
  HTTP_STOP_GRACE_MS,
  httpErrorHandler,
  mountHealth,
  REPO_ROOT,
  runMain,
  RunningService,
  serviceUrl,
  STOP_GRACE_MS,
  stopOnSignals,
  subgraph,
  SUBGRAPHS,
} from '@supergraph/kernel';
import { routerConfig } from './config';
import { GatewayContext, SubgraphDataSource } from './subgraph-data-source';

/**
 * The one entry point (CONTRACT.md "Endpoints"): `@apollo/gateway` on the committed static
 * supergraph, served by `@apollo/server` at `/graphql` (POST, and GET for queries) and `/`;
 * a browser's GET on either gets Apollo Sandbox. Each subgraph fetch is bounded by
 * `SUBGRAPH_TIMEOUT_MS`; a malformed or oversized (> 1 MB) body gets a GraphQL-shaped
 * `BAD_REQUEST`. `/health/ready` is 200 only when every subgraph's own readiness answers 200
 * within 1 s. Stop (SIGTERM): readiness 503 for `SHUTDOWN_DELAY_MS`, then in-flight requests
 * get at most `HTTP_STOP_GRACE_MS`.
 */
export async function startRouter(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}): Promise<RunningService> {
  const config = routerConfig(env);
  const logger = createLogger('router', config.LOG_LEVEL);
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH ?? join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => new SubgraphDataSource({ name, url: serviceUrl(subgraph(name), env), timeoutMs: config.SUBGRAPH_TIMEOUT_MS }),
  });

  const app = express();
  const httpServer = createServer(app);
  let draining = false;
  const readiness = Object.fromEntries(
    SUBGRAPHS.map((service) => [
      service.name,
      async () => {
        const response = await fetch(serviceUrl(service, env).replace(/\/graphql$/, '/health/ready'), { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel(); // only the status counts; release the connection now
        return response.ok;
      },
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
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: HTTP_STOP_GRACE_MS }),
      production ? ApolloServerPluginLandingPageProductionDefault() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
    ],
  });
  await server.start();
  app.use(
    ['/graphql', '/'],
    express.json({ limit: '1mb' }),
    expressMiddleware(server, {
      context: async ({ req }) => ({ correlationId: correlationIdFrom(req.headers[CORRELATION_ID_HEADER]) }),
    }),
  );
  app.use(httpErrorHandler(logger));

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? config.port, config.SERVICE_HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.SERVICE_HOST === '0.0.0.0' ? 'localhost' : config.SERVICE_HOST}:${port}/graphql`;
  logger.info({ url }, 'router ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      if (config.SHUTDOWN_DELAY_MS) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
      await server.stop();
      logger.info('router stopped');
    })());
  if (options.handleSignals ?? true) stopOnSignals(stop, logger, config.SHUTDOWN_DELAY_MS + STOP_GRACE_MS);
  return { url, port, stop };
}

if (require.main === module) void runMain(() => startRouter(), 'router');
