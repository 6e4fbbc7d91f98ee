import type { Server } from 'node:http';
import { DocumentNode, ExecutionArgs, getOperationAST, getVariableValues, GraphQLError, GraphQLFormattedError, GraphQLSchema, parse, specifiedRules, validate, ValidationRule } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';

/** How `serveGraphqlWs` serves a schema over WebSocket; defaults in brackets. */
export interface GraphqlWsOptions {
  /** The executable schema (the subgraph's, with its Subscription resolvers). */
  schema: GraphQLSchema;
  /** The HTTP path upgraded to WebSocket (`/graphql`, the same path as HTTP POST). */
  path: string;
  /**
   * The context value of one operation (built once per subscription, when it starts), from the
   * client's `connection_init` payload (an empty record when it sent none or not an object).
   */
  context: (connectionParams: Record<string, unknown>, authenticated: unknown) => object;
  /**
   * Checks the client's `connection_init` payload before the connection is acknowledged; what it
   * resolves (e.g. the proven caller) is passed to `context` for every operation on the socket.
   * When it throws, the socket is closed with 4403 Forbidden and nothing runs.
   */
  authenticate?: (connectionParams: Record<string, unknown>) => Promise<unknown>;
  /** Shapes every error sent to the client: the same formatter as HTTP (`createErrorFormatter`). */
  formatError: (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;
  /** Interval in ms of the WebSocket pings that detect dead clients; no pong within it terminates the socket [12000]. */
  keepAliveMs?: number;
  /** On dispose, how long in ms clients get to complete the close handshake before their sockets are cut [5000]. */
  closeGraceMs?: number;
}

/** A running graphql-ws endpoint. */
export interface GraphqlWsServer {
  /**
   * Closes every socket with 1001 (Going Away), which ends their subscriptions (their iterators'
   * `return()`), stops accepting upgrades and resolves once all sockets are closed.
   */
  dispose(): Promise<void>;
}

/**
 * Serves `schema` over WebSocket with the graphql-ws protocol (`graphql-transport-ws`, graphql-ws
 * `useServer` on a `ws` server) on `httpServer` at `path`, beside HTTP. Subscriptions, queries and
 * mutations are executed; the server answers the client's pings and pings it every `keepAliveMs`.
 *
 * Errors are shaped as over HTTP (CONTRACT.md "Errors"): `formatError` sees each one (so a
 * `DomainError` gives its `code` and `field`, anything unexpected is logged and answered
 * `INTERNAL_SERVER_ERROR`, no stack ever leaves), and the failures Apollo Server codes itself over
 * HTTP are coded the same way: a syntax error `GRAPHQL_PARSE_FAILED`, a validation error
 * `GRAPHQL_VALIDATION_FAILED`, bad variables `BAD_USER_INPUT`, an operation that cannot be picked
 * `BAD_REQUEST`. Internal failures close the socket with 4500 and a generic reason.
 */
export function serveGraphqlWs(httpServer: Server, options: GraphqlWsOptions): GraphqlWsServer {
  const { schema, formatError } = options;
  const wss = new WebSocketServer({ server: httpServer, path: options.path });
  const format = (errors: readonly GraphQLError[]) => errors.map((error) => formatError(error.toJSON(), error));
  const authenticated = new WeakMap<object, unknown>();
  const server = useServer(
    {
      schema,
      isProd: true,
      onConnect: async (ctx) => {
        if (!options.authenticate) return true;
        try {
          authenticated.set(ctx.extra.socket, await options.authenticate(isRecord(ctx.connectionParams) ? ctx.connectionParams : {}));
          return true;
        } catch {
          return false;
        }
      },
      context: (ctx) => options.context(isRecord(ctx.connectionParams) ? ctx.connectionParams : {}, authenticated.get(ctx.extra.socket)),
      onSubscribe: (_ctx, _id, payload) => checkOperation(schema, payload),
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : undefined),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );
  return {
    dispose: async () => {
      const cut = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, options.closeGraceMs ?? 5000);
      try {
        await server.dispose();
      } finally {
        clearTimeout(cut);
      }
    },
  };
}

/**
 * Parses, validates and checks the variables of a graphql-ws Subscribe message's operation
 * against `schema`, as Apollo Server does for HTTP: the execution arguments (variables as sent),
 * or coded errors (`GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`, `BAD_REQUEST`,
 * `BAD_USER_INPUT`) for a graphql-ws `error` message instead of the uncoded ones graphql-ws sends.
 * `rules` are validation rules beyond graphql-js's own (the router's operation limits); their
 * errors are `GRAPHQL_VALIDATION_FAILED` too. Used by every subgraph's endpoint and by the router's.
 */
export function checkOperation(schema: GraphQLSchema, payload: SubscribePayload, rules: readonly ValidationRule[] = []): ExecutionArgs | GraphQLError[] {
  let document: DocumentNode;
  try {
    document = parse(payload.query);
  } catch (error) {
    return [withCode(error instanceof GraphQLError ? error : new GraphQLError(String(error)), 'GRAPHQL_PARSE_FAILED')];
  }
  const invalid = validate(schema, document, [...specifiedRules, ...rules]);
  if (invalid.length > 0) return invalid.map((error) => withCode(error, 'GRAPHQL_VALIDATION_FAILED'));
  const operationName = payload.operationName ?? undefined;
  const operation = getOperationAST(document, operationName);
  if (!operation) {
    const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
    return [new GraphQLError(message, { extensions: { code: 'BAD_REQUEST' } })];
  }
  const variables = getVariableValues(schema, operation.variableDefinitions ?? [], payload.variables ?? {});
  if (variables.errors) return variables.errors.map((error) => withCode(error, 'BAD_USER_INPUT'));
  return { schema, document, operationName, variableValues: payload.variables };
}

/** `error` with `extensions.code` set to `code`. */
function withCode(error: GraphQLError, code: string): GraphQLError {
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    source: error.source,
    positions: error.positions,
    path: error.path,
    originalError: error.originalError,
    extensions: { ...error.extensions, code },
  });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
