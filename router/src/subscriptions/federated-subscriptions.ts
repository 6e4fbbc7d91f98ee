import { buildOperationContext, executeQueryPlan, GraphQLDataSource, ServiceMap } from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import type { GatewayGraphQLRequestContext } from '@apollo/server-gateway-interface';
import { Identity, identityKey, newId } from '@supergraph/kernel';
import { DocumentNode, ExecutionResult, GraphQLError, GraphQLFormattedError, GraphQLSchema, print } from 'graphql';
import type { SubscribePayload } from 'graphql-ws';
import type { Logger } from 'pino';
import type { GatewayContext } from '../subgraph-data-source';
import { ClientStream } from './client-stream';
import type { SubscriptionPlan, SubscriptionPlanner } from './planner';
import { RESUME_VARIABLE } from './resume';
import type { UpstreamSockets } from './upstream';

/** One client subscription, validated (variables coerced) by the graphql-ws server. */
export interface SubscriptionRequest {
  document: DocumentNode;
  operationName: string | undefined;
  variables: Record<string, unknown>;
  /** The client's verified end user (its `connection_init` token), or null when anonymous; the subgraphs see it in the router credential. */
  identity: Identity | null;
  /** Called when the client falls `maxQueued` results behind: close its socket. */
  onOverflow(): void;
}

/** Tuning; defaults in brackets. */
export interface FederatedSubscriptionsOptions {
  /** The current planner (rebuilt when the supergraph changes). */
  planner(): SubscriptionPlanner;
  /** The current API schema the clients' operations were validated against (`gateway.schema`). */
  apiSchema(): GraphQLSchema;
  /** The gateway's data sources by subgraph name (the instances `buildService` created). */
  dataSources: ReadonlyMap<string, GraphQLDataSource<GatewayContext>>;
  upstream: UpstreamSockets;
  logger: Logger;
  /** Results a client may fall behind before its socket is closed [256]. */
  maxQueued?: number;
  /** Events received from a subgraph and not yet through `rest` before a shared stream gives up [1024]. */
  maxPendingEvents?: number;
}

/** Name of the pseudo-service that hands the upstream event to `executeQueryPlan`. */
const EVENT_SOURCE = '__subscription_event__';

/** Per-event context given to `executeQueryPlan`: the gateway's context plus the event's data. */
interface EventContext extends GatewayContext {
  event: Record<string, unknown>;
}

/** Feeds the upstream event's `data` to the plan `Sequence[seed, rest]` as if a subgraph returned it. */
const eventSource: GraphQLDataSource<EventContext> = {
  process: async ({ context }) => ({ data: (context as EventContext).event }),
};

/**
 * The federated subscription executor (ARCHITECTURE.md "Subscriptions";
 * notes/federated-subscriptions.md). For a client subscription it:
 * 1. plans it (`SubscriptionNode { primary, rest }`);
 * 2. subscribes `primary` on the owning subgraph over graphql-ws (`UpstreamSockets`), with only
 *    the variables `primary` uses;
 * 3. for every event runs `rest` through the gateway's own `executeQueryPlan` (plan
 *    `Sequence[seed, rest]`, the seed fetch returning the event) so the payload carries the
 *    other subgraphs' fields, shaped exactly as the client asked (internal `__typename`, key and
 *    cursor fields removed);
 * 4. hands each result to the client's bounded `ClientStream`.
 * Identical live subscriptions (same operation, variables and connection payload) share one
 * upstream subscription and one `rest` execution per event; resumable ones (`after`) never share,
 * since each replays from its own cursor, and resume after an upstream reconnect from the last
 * event received (`ResumeCursor`). The last client leaving unsubscribes upstream at once.
 * Events of one upstream subscription are delivered in the order they arrived.
 */
export class FederatedSubscriptions {
  private readonly shared = new Map<string, SharedStream>();

  constructor(private readonly options: FederatedSubscriptionsOptions) {}

  /**
   * The results stream of `request`. Throws a coded `GraphQLError` when it cannot be planned
   * (see `SubscriptionPlanner.plan`); upstream and `rest` failures arrive as results with errors.
   */
  subscribe(request: SubscriptionRequest): ClientStream {
    const plan = this.options.planner().plan(request.document, request.operationName);
    const key = plan.resume ? `resumable:${newId()}` : sharingKey(request);
    let stream = this.shared.get(key);
    if (!stream) {
      stream = new SharedStream(plan, request, this.options, () => this.shared.delete(key));
      this.shared.set(key, stream);
    }
    return stream.attach(this.options.maxQueued ?? 256, request.onOverflow);
  }

  /** Upstream subscriptions currently open (shared ones count once). */
  get upstreamSubscriptions(): number {
    return this.shared.size;
  }

  /** Client subscriptions currently attached to an upstream one. */
  get clientSubscriptions(): number {
    let count = 0;
    for (const stream of this.shared.values()) count += stream.clientCount;
    return count;
  }
}

/** Operation, variables and end user: what makes two live subscriptions identical. */
function sharingKey(request: SubscriptionRequest): string {
  return JSON.stringify([request.operationName ?? null, print(request.document), request.variables, identityKey(request.identity)]);
}

/** One upstream subscription and the client streams it feeds. */
class SharedStream {
  private readonly clients = new Set<ClientStream>();
  private readonly payload: SubscribePayload & { variables: Record<string, unknown> };
  private readonly plan: QueryPlan;
  private readonly printed: string;
  private unsubscribe?: () => void;
  /** Events are processed one after the other, so clients get them in upstream order. */
  private tail: Promise<void> = Promise.resolve();
  private pending = 0;
  private closed = false;

  constructor(
    private readonly subscription: SubscriptionPlan,
    private readonly request: SubscriptionRequest,
    private readonly options: FederatedSubscriptionsOptions,
    private readonly onClosed: () => void,
  ) {
    const { primary, rest, resume } = subscription;
    const variables: Record<string, unknown> = {};
    for (const name of primary.variableUsages ?? []) if (name in request.variables) variables[name] = request.variables[name];
    if (resume) variables[RESUME_VARIABLE] = resume.initialValue(request.variables);
    this.payload = { query: primary.operation, operationName: primary.operationName, variables };
    const seed: FetchNode = { ...primary, serviceName: EVENT_SOURCE };
    this.plan = { kind: 'QueryPlan', node: rest ? { kind: 'Sequence', nodes: [seed, rest] } : seed };
    this.printed = print(request.document);
    this.unsubscribe = options.upstream.subscribe(primary.serviceName, request.identity, this.payload, {
      next: (result) => this.received(result),
      error: (error) => this.enqueue(async () => this.finish({ errors: upstreamErrors(error, primary.serviceName) })),
      complete: () => this.enqueue(async () => this.finish()),
    });
  }

  /** How many clients this stream feeds. */
  get clientCount(): number {
    return this.clients.size;
  }

  /** A new client of this stream. */
  attach(maxQueued: number, onOverflow: () => void): ClientStream {
    const client = new ClientStream(maxQueued, onOverflow, () => this.detach(client));
    this.clients.add(client);
    return client;
  }

  private detach(client: ClientStream): void {
    this.clients.delete(client);
    if (this.clients.size === 0) this.close();
  }

  private received(result: ExecutionResult<Record<string, unknown>>): void {
    const cursor = this.subscription.resume?.cursorOf(result.data);
    if (cursor !== undefined) this.payload.variables[RESUME_VARIABLE] = cursor;
    if (this.pending >= (this.options.maxPendingEvents ?? 1024)) {
      this.options.logger.error({ subgraph: this.subscription.primary.serviceName, pending: this.pending }, 'subscription events arrive faster than they can be completed; ending the subscription');
      this.finish({ errors: [new GraphQLError('the router cannot keep up with this subscription; subscribe again', { extensions: { code: 'INTERNAL_SERVER_ERROR' } })] });
      return;
    }
    this.enqueue(async () => {
      const complete = await this.complete(result);
      for (const client of this.clients) client.push(complete);
    });
  }

  private enqueue(work: () => Promise<void>): void {
    this.pending += 1;
    this.tail = this.tail
      .then(() => (this.closed ? undefined : work()))
      .catch((error: unknown) => this.options.logger.error({ err: error }, 'subscription event could not be completed'))
      .finally(() => (this.pending -= 1));
  }

  /** The client-shaped result of one upstream event: `rest` run on its data, errors of both kept. */
  private async complete(event: ExecutionResult<Record<string, unknown>>): Promise<ExecutionResult> {
    const serviceName = this.subscription.primary.serviceName;
    const eventErrors = (event.errors ?? []).map((error) => subgraphError(error as GraphQLFormattedError, serviceName));
    if (!event.data) return { data: null, errors: eventErrors.length > 0 ? eventErrors : [new GraphQLError(`subgraph ${serviceName} sent an event without data`)] };
    const { document, operationName, variables } = this.request;
    const context: EventContext = { correlationId: newId(), identity: this.request.identity, event: event.data };
    const requestContext = {
      request: { query: this.printed, operationName, variables },
      document,
      operationName: operationName ?? null,
      context,
      logger: this.options.logger,
      metrics: {},
      cache: undefined,
    } as unknown as GatewayGraphQLRequestContext<EventContext>;
    const serviceMap: ServiceMap = { ...Object.fromEntries(this.options.dataSources), [EVENT_SOURCE]: eventSource };
    const planner = this.options.planner();
    const operationContext = buildOperationContext({ schema: this.options.apiSchema(), operationDocument: document, operationName });
    const result = await executeQueryPlan(this.plan, serviceMap, requestContext, operationContext, planner.supergraphSchema, planner.apiSchema);
    const errors = [...eventErrors, ...((result.errors ?? []) as GraphQLError[])];
    return errors.length > 0 ? { data: result.data ?? null, errors } : { data: result.data ?? null };
  }

  /** Ends every client (after a last result, if any) and unsubscribes upstream. */
  private finish(last?: ExecutionResult): void {
    for (const client of this.clients) client.end(last);
    this.clients.clear();
    this.close();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.unsubscribe?.();
    this.unsubscribe = undefined;
    this.onClosed();
  }
}

/** A subgraph's GraphQL error as the client gets it: message, path and code kept, subgraph named. */
function subgraphError(error: GraphQLFormattedError, serviceName: string): GraphQLError {
  return new GraphQLError(error.message, {
    path: error.path,
    extensions: { ...error.extensions, code: error.extensions?.code ?? 'INTERNAL_SERVER_ERROR', serviceName },
  });
}

/**
 * What the upstream subscription failed with, as GraphQL errors: the subgraph's own `error`
 * message (validation of its arguments: `BAD_USER_INPUT` naming the field), or a closed socket
 * after every reconnect failed.
 */
function upstreamErrors(error: unknown, serviceName: string): GraphQLError[] {
  if (Array.isArray(error) && error.every((e) => typeof (e as GraphQLFormattedError)?.message === 'string')) {
    return (error as GraphQLFormattedError[]).map((e) => subgraphError(e, serviceName));
  }
  const code = (error as { code?: unknown } | null)?.code;
  return [
    new GraphQLError(`subgraph ${serviceName} is unavailable for subscriptions${typeof code === 'number' ? ` (socket closed with ${code})` : ''}; subscribe again later`, {
      extensions: { code: 'INTERNAL_SERVER_ERROR', serviceName },
    }),
  ];
}
