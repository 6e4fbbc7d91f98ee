import { GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';

/** What the router knows about a client request, available to every subgraph fetch. */
export interface GatewayContext {
  /** From the client's `x-correlation-id` header, else new; forwarded to every subgraph so the events a request causes share it. */
  correlationId: string;
}

/**
 * The stock data source plus the correlation id header on every subgraph request
 * (ARCHITECTURE.md "Events": correlation ids flow from the client's request into the envelopes).
 */
export class SubgraphDataSource extends RemoteGraphQLDataSource<GatewayContext> {
  override willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<GatewayContext>): void {
    if ('correlationId' in context && context.correlationId) request.http?.headers.set('x-correlation-id', context.correlationId);
  }
}
