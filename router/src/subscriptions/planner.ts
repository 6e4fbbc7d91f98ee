import { operationFromDocument, Schema, Supergraph } from '@apollo/federation-internals';
import { FetchNode, PlanNode, QueryPlanner } from '@apollo/query-planner';
import { DocumentNode, GraphQLError, GraphQLSchema, print } from 'graphql';
import { LRUCache } from 'lru-cache';
import { ResumeCursor, resumable } from './resume';

/**
 * How the router runs one subscription operation (ARCHITECTURE.md "Subscriptions"): the query
 * planner's `SubscriptionNode { primary, rest }`.
 * - `primary`: the fetch that subscribes on the subgraph owning the root field; its operation
 *   selects `__typename` and the key fields `rest` needs, so it is sent exactly as planned
 *   (rewritten only by `resume`, see below).
 * - `rest`: fetches of the other subgraphs' fields, run for every event (absent when the owning
 *   subgraph answers everything).
 * - `resume`: set when the root field takes an `after` cursor: how to resubscribe after an
 *   upstream reconnect from the last event delivered instead of from the client's `after`.
 */
export interface SubscriptionPlan {
  primary: FetchNode;
  rest?: PlanNode;
  resume?: ResumeCursor;
}

/** Plans cached per operation text and name. */
const PLAN_CACHE_SIZE = 500;

/**
 * Plans subscription operations against one supergraph, with `@apollo/query-planner` built on
 * the same supergraph SDL as the gateway's own (private) planner; rebuild it when the gateway's
 * schema changes (`ApolloGateway.onSchemaLoadOrUpdate`). Plans are cached (LRU, 500 entries).
 */
export class SubscriptionPlanner {
  /** The supergraph as graphql-js sees it (join directives included): what `executeQueryPlan` walks. */
  readonly supergraphSchema: GraphQLSchema;
  /** The API schema, federation-internals flavour (result shaping in `executeQueryPlan`). */
  readonly apiSchema: Schema;
  private readonly apiGraphQLSchema: GraphQLSchema;
  private readonly planner: QueryPlanner;
  private readonly cache = new LRUCache<string, SubscriptionPlan>({ max: PLAN_CACHE_SIZE });

  constructor(supergraphSdl: string) {
    const supergraph = Supergraph.build(supergraphSdl);
    this.supergraphSchema = supergraph.schema.toGraphQLJSSchema();
    this.apiSchema = supergraph.apiSchema();
    this.apiGraphQLSchema = this.apiSchema.toGraphQLJSSchema();
    this.planner = new QueryPlanner(supergraph);
  }

  /**
   * The plan of a validated subscription `document` (`operationName` picks the operation).
   * Throws a `GraphQLError` (`BAD_REQUEST`) when the operation cannot be planned as one
   * subscription, e.g. `@include`/`@skip` on the root field (the planner answers with a
   * `Condition` node there) or a planner failure; never a raw planner exception.
   */
  plan(document: DocumentNode, operationName: string | undefined): SubscriptionPlan {
    const key = `${operationName ?? ''}\n${print(document)}`;
    const cached = this.cache.get(key);
    if (cached) return cached;
    let node;
    try {
      node = this.planner.buildQueryPlan(operationFromDocument(this.apiSchema, document, { operationName, validate: false })).node;
    } catch (error) {
      throw new GraphQLError(`this subscription cannot be planned: ${error instanceof Error ? error.message : String(error)}`, {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    if (node?.kind !== 'Subscription') {
      throw new GraphQLError('this subscription cannot be planned: directives on the root subscription field are not supported', {
        extensions: { code: 'BAD_REQUEST' },
      });
    }
    const resume = resumable(node.primary, this.apiGraphQLSchema);
    const plan: SubscriptionPlan = { primary: resume?.primary ?? node.primary, rest: node.rest, resume };
    this.cache.set(key, plan);
    return plan;
  }
}
