import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { ApolloGateway, GraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginLandingPageLocalDefault, ApolloServerPluginLandingPageProductionDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError, print } from 'graphql';
import {
  BearerAuth,
  CORRELATION_ID_HEADER,
  correlationIdFrom,
  createErrorFormatter,
  createLogger,
  createServiceMetrics,
  HTTP_STOP_GRACE_MS,
  httpErrorHandler,
  InternalCredentials,
  mountHealth,
  mountMetrics,
  refuseUnanswerableRequests,
  REPO_ROOT,
  routerTraceMiddleware,
  runMain,
  RunningService,
  serviceUrl,
  STOP_GRACE_MS,
  startTracing,
  stopOnSignals,
  stringEntry,
  subgraph,
  SUBGRAPHS,
  TokenError,
  VerifiedToken,
} from '@supergraph/kernel';
import { authorizationParam, unauthenticated } from './auth/bearer-auth';
import { routerConfig } from './config';
import { clientAddress } from './edge/client-address';
import { corsPolicy } from './edge/cors';
import { edgeErrorFormatter } from './edge/errors';
import { OperationLimits } from './edge/limits';
import { RateLimits } from './edge/rate-limit';
import { livePage } from './live-page';
import { GatewayContext, SubgraphDataSource } from './subgraph-data-source';
import { FederatedSubscriptions } from './subscriptions/federated-subscriptions';
import { SubscriptionPlanner } from './subscriptions/planner';
import { serveSubscriptions } from './subscriptions/subscription-server';
import { UpstreamSockets } from './subscriptions/upstream';

/**
 * The one entry point (CONTRACT.md "Endpoints"): `@apollo/gateway` on the committed static
 * supergraph, served by `@apollo/server` at `/graphql` (POST, and GET for queries) and `/`;
 * a browser's GET on either gets Apollo Sandbox. Subscriptions (and any operation) over
 * graphql-ws on the same port and paths (`serveSubscriptions`, executed by
 * `FederatedSubscriptions`); a subscription sent over HTTP is a `BAD_REQUEST`. The live page at
 * `/live` (`livePage`). Authentication: an `Authorization: Bearer <token>` header (over
 * WebSocket, `authorization` in `connection_init`) is verified by `BearerAuth` (jose); a refused
 * token is `UNAUTHENTICATED` (401, or close 4401), no token is an anonymous client; the verified
 * identity reaches the subgraphs only in the router credential (`InternalCredentials`), and
 * each context authorizes in its application layer. Each subgraph fetch is bounded by
 * `SUBGRAPH_TIMEOUT_MS`; a malformed or oversized (> `MAX_BODY_BYTES`) body gets a GraphQL-shaped
 * `BAD_REQUEST`. The edge (router/src/edge): CORS (`corsPolicy`) and CSRF prevention (Apollo
 * Server's) over HTTP; over HTTP and WebSocket alike, rate limits per client address and per end
 * user (`RateLimits`: `RATE_LIMITED`, 429) and operation limits (`OperationLimits`: depth,
 * aliases, tokens, cost, directives; U+0000 in strings), no field suggestions in errors
 * (`edgeErrorFormatter`); no automatic persisted queries; introspection only outside production.
 * `/metrics`: Prometheus text (`ServiceMetrics`: operations, subgraph fetches, live
 * subscriptions). `/health/ready` is 200 when the router's Redis (rate limits) answers and it is
 * not draining; each subgraph's own readiness (within 1 s) is reported in the body under
 * `dependencies` but does not count: one context down must not take the router, and with it
 * every other context, out of its load balancer. Stop (SIGTERM): readiness 503 for `SHUTDOWN_DELAY_MS`, then in-flight requests
 * get at most `HTTP_STOP_GRACE_MS`; WebSocket clients are closed with 1001 and the upstream
 * subscription sockets closed first.
 */
export async function startRouter(env: NodeJS.ProcessEnv = process.env, options: { port?: number; handleSignals?: boolean } = {}): Promise<RunningService> {
  const config = routerConfig(env);
  const logger = createLogger('router', config.LOG_LEVEL);
  const tracing = startTracing('router', env);
  const metrics = createServiceMetrics('router');
  const supergraphSdl = readFileSync(config.SUPERGRAPH_PATH ?? join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8');
  const credentials = new InternalCredentials({ routerSecret: config.ROUTER_CREDENTIAL_SECRET });
  const auth = new BearerAuth({ secret: config.JWT_SECRET, jwksUrl: config.JWT_JWKS_URL, issuer: config.JWT_ISSUER, audience: config.JWT_AUDIENCE });
  const dataSources = new Map<string, GraphQLDataSource<GatewayContext>>();
  keepApolloTelemetryOff(env);
  const gateway = new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }) => {
      const dataSource = new SubgraphDataSource({ name, url: serviceUrl(subgraph(name), env), timeoutMs: config.SUBGRAPH_TIMEOUT_MS, credentials, metrics });
      dataSources.set(name, dataSource);
      return dataSource;
    },
  });
  let planner = new SubscriptionPlanner(supergraphSdl);
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    if (coreSupergraphSdl !== supergraphSdl) planner = new SubscriptionPlanner(coreSupergraphSdl);
  });

  const app = express();
  app.set('trust proxy', config.trustProxy); // req.ip: the client behind the proxies TRUST_PROXY names
  const httpServer = createServer(app);
  let draining = false;
  app.use(refuseUnanswerableRequests(() => draining));
  mountMetrics(app, metrics);

  const production = config.NODE_ENV === 'production';
  const formatError = edgeErrorFormatter(createErrorFormatter(logger));
  const limits = new OperationLimits({
    maxDepth: config.MAX_DEPTH,
    maxAliases: config.MAX_ALIASES,
    maxTokens: config.MAX_TOKENS,
    maxCost: config.MAX_COST,
    maxDirectives: config.MAX_DIRECTIVES,
    production,
  });
  const rateLimits = await RateLimits.start(
    { perSubject: config.RATE_LIMIT_PER_SUBJECT, perIp: config.RATE_LIMIT_PER_IP, windowS: config.RATE_LIMIT_WINDOW_S, redisUrl: config.REDIS_URL, namespace: config.EVENTS_NAMESPACE },
    logger.child({ component: 'rate-limit' }),
  );
  const subgraphReadiness = Object.fromEntries(
    SUBGRAPHS.map((service) => [
      service.name,
      async () => {
        const response = await fetch(serviceUrl(service, env).replace(/\/graphql$/, '/health/ready'), { signal: AbortSignal.timeout(1000) });
        await response.body?.cancel(); // only the status counts; release the connection now
        return response.ok;
      },
    ]),
  );
  const redisCheck = rateLimits.redisCheck();
  mountHealth(app, redisCheck ? { redis: redisCheck } : {}, () => draining, { dependencies: subgraphReadiness });
  const server = new ApolloServer<GatewayContext>({
    gateway,
    formatError,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    persistedQueries: false,
    introspection: !production,
    validationRules: limits.apollo.validationRules,
    stopOnTerminationSignals: false,
    plugins: [
      ...limits.apollo.plugins,
      rateLimits.subjectPlugin(),
      ApolloServerPluginDrainHttpServer({ httpServer, stopGracePeriodMillis: HTTP_STOP_GRACE_MS }),
      production ? ApolloServerPluginLandingPageProductionDefault() : ApolloServerPluginLandingPageLocalDefault({ embed: true, includeCookies: false }),
      subscriptionsOverWebSocketOnly,
      metrics.graphqlPlugin(),
    ],
  });
  await server.start();
  app.use(livePage());
  app.use(
    ['/graphql', '/'],
    corsPolicy(config.corsOrigins),
    rateLimits.ipLimit(),
    express.json({ limit: config.MAX_BODY_BYTES }),
    limits.requestLimits(),
    routerTraceMiddleware(),
    expressMiddleware(server, {
      context: async ({ req }) => ({ correlationId: correlationIdFrom(req.headers[CORRELATION_ID_HEADER]), identity: await identify(auth, req.headers.authorization) }),
    }),
  );
  app.use(httpErrorHandler(logger));

  const upstream = new UpstreamSockets({
    urlOf: (name) => serviceUrl(subgraph(name), env),
    credential: (identity) => credentials.forRouter(identity),
    logger: logger.child({ component: 'subscriptions' }),
  });
  const subscriptions = new FederatedSubscriptions({
    planner: () => planner,
    apiSchema: () => gateway.schema!,
    dataSources,
    upstream,
    logger: logger.child({ component: 'subscriptions' }),
    maxQueued: config.SUBSCRIPTION_MAX_QUEUED,
  });
  metrics.watchLive('client', () => subscriptions.clientSubscriptions);
  metrics.watchLive('upstream', () => subscriptions.upstreamSubscriptions);
  const webSockets = serveSubscriptions({
    httpServer,
    paths: ['/graphql', '/'],
    schema: () => gateway.schema!,
    subscriptions,
    formatError,
    logger,
    limits,
    admit: (client) => rateLimits.admit(client),
    clientAddress: (request) => clientAddress(request, config.trustProxy),
    maxPayloadBytes: config.MAX_BODY_BYTES,
    authenticate: (connectionParams) => auth.identify(authorizationParam(connectionParams)),
    executeOperation: async ({ document, operationName, variables, connectionParams, identity }) => {
      const response = await server.executeOperation(
        { query: print(document), operationName, variables },
        { contextValue: { correlationId: correlationIdFrom(stringEntry(connectionParams, CORRELATION_ID_HEADER)), identity } },
      );
      return response.body.kind === 'single' ? response.body.singleResult : { errors: [new GraphQLError('incremental delivery is not supported over WebSocket')] };
    },
  });

  await new Promise<void>((resolve) => httpServer.listen(options.port ?? config.port, config.SERVICE_HOST, resolve));
  const port = (httpServer.address() as AddressInfo).port;
  const url = `http://${config.SERVICE_HOST === '0.0.0.0' ? 'localhost' : config.SERVICE_HOST}:${port}/graphql`;
  logger.info({ url }, 'router ready');

  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      draining = true;
      if (config.SHUTDOWN_DELAY_MS) await new Promise((resolve) => setTimeout(resolve, config.SHUTDOWN_DELAY_MS));
      await webSockets.dispose();
      await upstream.dispose();
      await server.stop();
      await rateLimits.close();
      await tracing.shutdown();
      logger.info('router stopped');
    })());
  if (options.handleSignals ?? true) stopOnSignals(stop, logger, config.SHUTDOWN_DELAY_MS + STOP_GRACE_MS);
  return { url, port, stop };
}

/**
 * Answers a subscription sent over HTTP with a clear `BAD_REQUEST` (400) instead of the gateway's
 * "Execution of subscriptions not supported by gateway": subscriptions go over WebSocket.
 */
const subscriptionsOverWebSocketOnly = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation }: { operation?: { operation: string } | null }) {
        if (operation?.operation === 'subscription') {
          throw new GraphQLError('subscriptions are served over WebSocket (graphql-ws, protocol graphql-transport-ws) on this same URL', {
            extensions: { code: 'BAD_REQUEST', http: { status: 400 } },
          });
        }
      },
    };
  },
};

/** The identity of an HTTP request's `Authorization` header (null: none sent); a refused token is `UNAUTHENTICATED` (401). */
async function identify(auth: BearerAuth, authorization: string | undefined) {
  let verified: VerifiedToken | null;
  try {
    verified = await auth.identify(authorization);
  } catch (error) {
    if (error instanceof TokenError) throw unauthenticated(error);
    throw error;
  }
  return verified?.identity ?? null;
}

/**
 * `@apollo/gateway` sends anonymous usage data to Apollo (an OTLP exporter to
 * usage-reporting.api.apollographql.com, after probing the AWS, GCP, Azure and Alibaba metadata
 * endpoints) unless `APOLLO_TELEMETRY_DISABLED` is `true` in `process.env` when it is built. A
 * router should not reach third parties its operator did not ask for: off unless `env` sets
 * `APOLLO_TELEMETRY_DISABLED` itself (e.g. `false` to allow it).
 */
function keepApolloTelemetryOff(env: NodeJS.ProcessEnv): void {
  process.env.APOLLO_TELEMETRY_DISABLED = env.APOLLO_TELEMETRY_DISABLED ?? process.env.APOLLO_TELEMETRY_DISABLED ?? 'true';
}

if (require.main === module) void runMain(() => startRouter(), 'router');

