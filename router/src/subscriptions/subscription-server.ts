import { STATUS_CODES } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { checkOperation, Identity, TokenError, VerifiedToken } from '@supergraph/kernel';
import { DocumentNode, ExecutionResult, FormattedExecutionResult, getOperationAST, GraphQLError, GraphQLFormattedError, GraphQLSchema, ValidationRule } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { Logger } from 'pino';
import { WebSocket, WebSocketServer } from 'ws';
import { UNAUTHORIZED_CLOSE_CODE } from '../auth/bearer-auth';
import type { ClientStream } from './client-stream';
import type { FederatedSubscriptions } from './federated-subscriptions';

/**
 * Close code sent to a client that fell too far behind (`ClientStream` overflow): RFC 6455
 * 1013 "Try Again Later". graphql-ws clients reconnect on it; a resumable subscription
 * (`after`) then gets what it missed.
 */
export const SLOW_CONSUMER_CLOSE_CODE = 1013;

/** Formats one error as the HTTP path does (`createErrorFormatter`: code and field only). */
export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/** What the WebSocket endpoint needs from the router. */
export interface SubscriptionServerOptions {
  httpServer: Server;
  /** Paths that accept WebSocket upgrades (the HTTP GraphQL paths: `/graphql` and `/`). */
  paths: string[];
  /** The router's API schema (`gateway.schema`), current at each operation. */
  schema(): GraphQLSchema;
  subscriptions: FederatedSubscriptions;
  /** Runs a query or mutation sent over the socket through the HTTP pipeline (plugins, error formatting). */
  executeOperation(request: {
    document: DocumentNode;
    operationName?: string;
    variables: Record<string, unknown>;
    connectionParams: Record<string, unknown>;
    identity: Identity | null;
  }): Promise<ExecutionResult | FormattedExecutionResult>;
  /**
   * The end user a `connection_init` payload proves (its `authorization: "Bearer <token>"`): null
   * when it carries none (anonymous), or throws `TokenError`.
   */
  authenticate(connectionParams: Record<string, unknown>): Promise<VerifiedToken | null>;
  formatError: ErrorFormatter;
  logger: Logger;
  /** Server → client ping period; a client that does not answer within it is dropped, ms [12000]. */
  keepAliveMs?: number;
  /** The HTTP path's operation limits (`OperationLimits`), for every operation on the socket: its `refusal` before parsing, then extra validation rules [none]. */
  limits?: { validationRules: readonly ValidationRule[]; refusal(request: { query?: unknown; variables?: unknown }): GraphQLError | null };
  /**
   * Admits each WebSocket handshake (with `identity: null`: the per-address limit) and each
   * operation a client sends (`RateLimits.admit`): null, or the error it is refused with
   * (`RATE_LIMITED`, with the HTTP status and `Retry-After` in `extensions.http`) [all admitted].
   */
  admit?(client: { ip: string | undefined; identity: Identity | null }): Promise<GraphQLError | null>;
  /** The client's address of a WebSocket upgrade request, for `admit` [the socket's peer]. */
  clientAddress?(request: IncomingMessage): string | undefined;
  /** Largest message a client may send, bytes (`MAX_BODY_BYTES`) [1048576]. */
  maxPayloadBytes?: number;
}

/** Per operation: the client's connection payload, its verified end user and, for a subscription, its results. */
interface OperationContext {
  connectionParams: Record<string, unknown>;
  identity: Identity | null;
  stream?: ClientStream;
}

/**
 * The router's WebSocket endpoint (CONTRACT.md "Endpoints"): graphql-ws (protocol
 * `graphql-transport-ws`) on the same port and paths as HTTP. Subscriptions run through the
 * federated executor; queries and mutations sent over the socket run through the HTTP pipeline.
 * The server pings every `keepAliveMs` and drops clients that stop answering. Errors are shaped
 * as over HTTP (code and field, no stack); an operation that fails validation or planning, or
 * that `admit` or the `limits` refuse (`RATE_LIMITED`, `BAD_REQUEST`, `GRAPHQL_VALIDATION_FAILED`),
 * gets a graphql-ws `error` message. A client over its queue bound is closed with
 * `SLOW_CONSUMER_CLOSE_CODE`. `dispose()` closes every client with 1001 (Going Away).
 *
 * Authentication (issue "Edge security"): the token travels in `connection_init`
 * (`{ "authorization": "Bearer <token>" }`) and is verified before the connection is acknowledged;
 * an invalid one closes the socket with `UNAUTHORIZED_CLOSE_CODE` (4401) and the reason, and when
 * a valid token expires the socket is closed with 4401 "token expired", ending its
 * subscriptions. Without a token the connection is anonymous: the subgraphs then refuse
 * everything but public ticket search.
 */
export function serveSubscriptions(options: SubscriptionServerOptions): { dispose(): Promise<void> } {
  const { logger } = options;
  const wss = new WebSocketServer({ noServer: true, maxPayload: options.maxPayloadBytes ?? 1024 * 1024 });
  const clientOf = (request: IncomingMessage) => options.clientAddress?.(request) ?? request.socket.remoteAddress;
  const onUpgrade = (request: IncomingMessage, socket: Duplex, head: Buffer) => {
    const path = new URL(request.url ?? '/', 'http://router').pathname;
    if (!options.paths.includes(path)) {
      socket.destroy();
      return;
    }
    void (options.admit?.({ ip: clientOf(request), identity: null }) ?? Promise.resolve(null)).then((refused) => {
      if (socket.destroyed) return;
      if (refused) {
        refuseHandshake(socket, refused);
        return;
      }
      wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
    });
  };
  options.httpServer.on('upgrade', onUpgrade);

  // Results of queries and mutations come back from Apollo Server already formatted (plain
  // objects): only the router's own GraphQLErrors go through the formatter.
  const format = (errors: readonly (GraphQLError | GraphQLFormattedError)[]) =>
    errors.map((error) => (error instanceof GraphQLError ? options.formatError(error.toJSON(), error) : error));

  const identities = new WeakMap<WebSocket, Identity | null>();
  const server = useServer<Record<string, unknown> | undefined, { socket: WebSocket; request: IncomingMessage }>(
    {
      onConnect: async (ctx) => {
        const params = ctx.connectionParams;
        // connection_init payload must be an object when present (graphql-ws protocol); anything else is refused.
        if (!(params === undefined || (typeof params === 'object' && params !== null && !Array.isArray(params)))) return false;
        const { socket } = ctx.extra;
        try {
          const verified = await options.authenticate(params ?? {});
          identities.set(socket, verified?.identity ?? null);
          if (verified) closeWhenExpired(socket, verified.expiresAt);
          return true;
        } catch (error) {
          socket.close(UNAUTHORIZED_CLOSE_CODE, error instanceof TokenError ? error.message : 'Unauthorized');
          return false;
        }
      },
      onSubscribe: async (ctx, _id, payload) => {
        const refused = (await options.admit?.({ ip: clientOf(ctx.extra.request), identity: identities.get(ctx.extra.socket) ?? null })) ?? options.limits?.refusal(payload);
        if (refused) return [refused];
        const args = checkOperation(options.schema(), payload, options.limits?.validationRules);
        if (Array.isArray(args)) return args;
        const { document, operationName } = args;
        const variables = (args.variableValues ?? {}) as Record<string, unknown>;
        const operation = getOperationAST(document, operationName)!;
        const context: OperationContext = { connectionParams: ctx.connectionParams ?? {}, identity: identities.get(ctx.extra.socket) ?? null };
        if (operation.operation === 'subscription') {
          // Planned here so that an operation that cannot run gets a graphql-ws `error` message.
          try {
            context.stream = options.subscriptions.subscribe({
              document,
              operationName: operationName ?? undefined,
              variables,
              identity: context.identity,
              onOverflow: () => {
                logger.warn({ operationName: payload.operationName }, 'subscription client too slow; closing its socket');
                ctx.extra.socket.close(SLOW_CONSUMER_CLOSE_CODE, 'slow consumer: too many undelivered results');
              },
            });
          } catch (error) {
            if (error instanceof GraphQLError) return [error];
            throw error;
          }
        }
        return { ...args, contextValue: context };
      },
      subscribe: (args) => (args.contextValue as OperationContext).stream!,
      execute: (args) => {
        const context = args.contextValue as OperationContext;
        return options.executeOperation({
          document: args.document,
          operationName: args.operationName ?? undefined,
          variables: (args.variableValues ?? {}) as Record<string, unknown>,
          connectionParams: context.connectionParams,
          identity: context.identity,
        }) as Promise<ExecutionResult>;
      },
      onNext: (_ctx, _id, _payload, _args, result) => (result.errors ? { ...result, errors: format(result.errors) } : result),
      onError: (_ctx, _id, _payload, errors) => format(errors),
    },
    wss,
    options.keepAliveMs ?? 12_000,
  );

  return {
    dispose: async () => {
      options.httpServer.off('upgrade', onUpgrade);
      await server.dispose();
    },
  };
}

/**
 * Answers a refused WebSocket handshake with a plain HTTP response instead of the upgrade: the
 * error's status (429 for `RATE_LIMITED`) and headers (`Retry-After`), and its message and code as
 * a GraphQL-shaped JSON body, as the HTTP path answers; then closes the connection.
 */
function refuseHandshake(socket: Duplex, error: GraphQLError): void {
  const http = (error.extensions.http ?? {}) as { status?: number; headers?: Map<string, string> };
  const status = http.status ?? 400;
  const body = JSON.stringify({ errors: [{ message: error.message, extensions: { code: error.extensions.code } }] });
  const headers = [...(http.headers ?? new Map<string, string>())].map(([name, value]) => `${name}: ${value}\r\n`).join('');
  socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Refused'}\r\n${headers}content-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
}

/** Longest delay `setTimeout` takes (2^31 - 1 ms, about 24.8 days); longer waits are chained. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/** Closes `socket` with 4401 "token expired" at `expiresAt` (ms since the epoch), unless it closed first. */
function closeWhenExpired(socket: WebSocket, expiresAt: number): void {
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const left = expiresAt - Date.now();
    if (left <= 0) {
      socket.close(UNAUTHORIZED_CLOSE_CODE, 'token expired');
      return;
    }
    timer = setTimeout(schedule, Math.min(left, MAX_TIMER_MS));
  };
  socket.once('close', () => clearTimeout(timer));
  schedule();
}
