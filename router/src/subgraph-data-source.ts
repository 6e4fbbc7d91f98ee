import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { CALLER_HEADER, CORRELATION_ID_HEADER, Identity, InternalCredentials, traceHeaders } from '@supergraph/kernel';
import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { dedupeRepresentations, fanOutEntities } from './fetch/dedupe-representations';
import { shareInFlight } from './fetch/share-in-flight';
import { undiciFetcher } from './fetch/undici-fetcher';

/** What the router knows about a client request, available to every subgraph fetch. */
export interface GatewayContext {
  /** From the client's `x-correlation-id` header when acceptable, else new; forwarded to every subgraph so the events a request causes share it. */
  correlationId: string;
  /** The client's verified end user (its bearer token), or null for an anonymous client; forwarded in the router credential. */
  identity: Identity | null;
}

/** How the router reaches one subgraph. */
export interface SubgraphDataSourceOptions {
  /** The subgraph's name in the supergraph (`ticket`). */
  name: string;
  /** Its GraphQL endpoint. */
  url: string;
  /** Upper bound of one fetch (request and response body), ms (`SUBGRAPH_TIMEOUT_MS`). */
  timeoutMs: number;
  /** Signs the router credential (`x-supergraph-caller`) every subgraph fetch carries. */
  credentials: InternalCredentials;
  /** Told how long each fetch took and whether it failed (`subgraph_fetch_duration_seconds`; the router's `ServiceMetrics`). */
  metrics?: { subgraphFetched(subgraph: string, outcome: 'ok' | 'error', seconds: number): void };
}

type GatewayResponse = Awaited<ReturnType<RemoteGraphQLDataSource['process']>>;

/**
 * The stock data source, plus:
 * - the router credential (`x-supergraph-caller`, `InternalCredentials.forRouter`) naming the
 *   client's verified identity on every subgraph request; subgraphs answer nothing without it;
 * - the correlation id header on every subgraph request (ARCHITECTURE.md "Events": correlation
 *   ids flow from the client's request into the envelopes);
 * - subgraph fetches on `undici.request` over a keep-alive pool (`undiciFetcher`), identical
 *   queries of the same caller in flight at once sent once (`shareInFlight`);
 * - `_entities` fetches carry each distinct representation once (`dedupeRepresentations`), the
 *   gateway sending one per position in the result;
 * - a per-fetch timeout: a subgraph that does not answer within `timeoutMs` fails that fetch
 *   (`INTERNAL_SERVER_ERROR` to the client, the router logs which subgraph) instead of holding
 *   the client's request;
 * - a subgraph's GraphQL errors answered with a non-2xx status (400 for input its variable
 *   coercion rejects, e.g. a malformed `DateTime`) reach the client with their messages and codes
 *   (`BAD_USER_INPUT`), where the stock data source would turn them into one uncoded error;
 * - except a 401: the subgraph refused the router's own credential (the router and the subgraph
 *   hold different `ROUTER_CREDENTIAL_SECRET`s), which is no fault of the client's token. The
 *   client gets `INTERNAL_SERVER_ERROR` (never the stock `UNAUTHENTICATED`, nor the subgraph's
 *   words about its header); the router's log names the subgraph and the key to check.
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  private readonly subgraph: string;
  private readonly timeoutMs: number;
  private readonly metrics?: SubgraphDataSourceOptions['metrics'];
  private readonly credentials: InternalCredentials;

  constructor(options: SubgraphDataSourceOptions) {
    super({ url: options.url });
    this.subgraph = options.name;
    this.credentials = options.credentials;
    this.timeoutMs = options.timeoutMs;
    this.metrics = options.metrics;
    this.fetcher = shareInFlight(undiciFetcher({ timeoutMs: this.timeoutMs }).fetcher, { keyHeaders: [CALLER_HEADER] });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<void> {
    // Only what the router verified goes out: the credential is made here, never copied from the client.
    request.http?.headers.set(CALLER_HEADER, await this.credentials.forRouter(('identity' in context && context.identity) || null));
    if ('correlationId' in context && context.correlationId) request.http?.headers.set(CORRELATION_ID_HEADER, context.correlationId);
    // W3C `traceparent` of the gateway's active `gateway.fetch` span (nothing while tracing is off).
    for (const [name, value] of Object.entries(traceHeaders())) request.http?.headers.set(name, value);
  }

  /** One fetch, timed for `metrics`: `error` when it threw or answered GraphQL errors. */
  override async process(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const started = process.hrtime.bigint();
    let outcome: 'ok' | 'error' = 'error';
    try {
      const response = await this.fetchDeduplicated(options);
      if (!response.errors?.length) outcome = 'ok';
      return response;
    } finally {
      this.metrics?.subgraphFetched(this.subgraph, outcome, Number(process.hrtime.bigint() - started) / 1e9);
    }
  }

  /** An `_entities` fetch goes out with each distinct representation once; its entities and errors are fanned back out to every original position. */
  private async fetchDeduplicated(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    const representations = options.request.variables?.representations;
    const deduped = Array.isArray(representations) ? dedupeRepresentations(representations) : undefined;
    if (!deduped) return this.fetchOnce(options);
    const request = { ...options.request, variables: { ...options.request.variables, representations: deduped.unique } };
    return fanOutEntities(await this.fetchOnce({ ...options, request }), deduped.uniqueIndexOf);
  }

  private async fetchOnce(options: GraphQLDataSourceProcessOptions<GatewayContext>): Promise<GatewayResponse> {
    try {
      return await super.process(options);
    } catch (error) {
      if (error instanceof SubgraphErrorResponse) return { errors: error.errors };
      throw error;
    }
  }

  /** A fetch that timed out (request or response body) fails naming the subgraph and the bound. */
  override didEncounterError(...args: Parameters<RemoteGraphQLDataSource<GatewayContext>['didEncounterError']>): void {
    const [error] = args;
    if (error.name === 'TimeoutError') throw new Error(`subgraph ${this.subgraph} did not answer within ${this.timeoutMs} ms`, { cause: error });
    super.didEncounterError(...args);
  }

  /**
   * A non-2xx answer: an uncoded error naming the misconfiguration for a 401 (the router
   * credential refused; masked and logged by the error formatter), else its GraphQL errors when
   * its body is a GraphQL response, else the stock error.
   */
  override async errorFromResponse(response: Parameters<RemoteGraphQLDataSource['errorFromResponse']>[0]): Promise<GraphQLError> {
    const error = await super.errorFromResponse(response);
    const errors = graphqlErrorsOf((error.extensions.response as { body?: unknown } | undefined)?.body);
    if (response.status === 401) {
      return new GraphQLError(`subgraph ${this.subgraph} refused the router credential (401: ${errors?.[0]?.message ?? 'no reason given'}): the router and every subgraph must hold the same ROUTER_CREDENTIAL_SECRET`);
    }
    return errors ? new SubgraphErrorResponse(response.status, errors) : error;
  }
}

/** A subgraph answered a non-2xx status with a GraphQL response carrying `errors`. */
class SubgraphErrorResponse extends GraphQLError {
  constructor(
    status: number,
    readonly errors: GraphQLFormattedError[],
  ) {
    super(`subgraph answered ${status} with ${errors.length} GraphQL error(s)`);
  }
}

/** The `errors` of a GraphQL response body (message, path and extensions of each), or undefined. */
function graphqlErrorsOf(body: unknown): GraphQLFormattedError[] | undefined {
  const errors = (body as { errors?: unknown } | null)?.errors;
  if (!Array.isArray(errors) || errors.length === 0) return undefined;
  if (!errors.every((e) => typeof (e as { message?: unknown })?.message === 'string')) return undefined;
  return errors.map(({ message, path, extensions }: GraphQLFormattedError) => ({ message, path, extensions }));
}
