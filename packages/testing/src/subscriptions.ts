import { Client, createClient, ExecutionResult } from 'graphql-ws';
import WebSocket from 'ws';
import { waitFor } from './wait';

/** A GraphQL subscription opened by a test, recording what arrives. */
export interface TestSubscription<T = Record<string, unknown>> {
  /** Every `next` payload, in arrival order. */
  readonly results: ExecutionResult<T>[];
  /** The `data` of every result that has data. */
  readonly data: T[];
  /** Set when the server ended it with an `error` message (or the socket failed for good). */
  readonly error?: unknown;
  /** True once it ended (complete or error). */
  readonly ended: boolean;
  /** Resolves once at least `count` results arrived (fails after `timeoutMs`, default 10 s). */
  untilCount(count: number, timeoutMs?: number): Promise<ExecutionResult<T>[]>;
  /** Resolves once it ended. */
  untilEnded(timeoutMs?: number): Promise<void>;
  /** Unsubscribes (sends `complete`). */
  unsubscribe(): void;
}

/** A graphql-ws client (protocol `graphql-transport-ws`) to an `http(s)://…/graphql` URL, for tests. */
export interface TestSubscriptionClient {
  subscribe<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>): TestSubscription<T>;
  /** Resolves once the socket is acknowledged (`connection_ack`). */
  connected(): Promise<void>;
  /** Closes the socket and every subscription on it. */
  close(): Promise<void>;
  readonly client: Client;
}

/**
 * Opens a graphql-ws client on `url` (`http` → `ws`), with `connectionParams` as the
 * `connection_init` payload. It does not reconnect: a test sees a closed socket as an error.
 */
export function subscriptionClient(url: string, connectionParams: Record<string, unknown> = {}): TestSubscriptionClient {
  let acked!: () => void;
  const ack = new Promise<void>((resolve) => (acked = resolve));
  const client = createClient({ url: url.replace(/^http/, 'ws'), webSocketImpl: WebSocket, connectionParams, lazy: false, retryAttempts: 0, onNonLazyError: () => undefined, on: { connected: () => acked() } });
  return {
    client,
    connected: () => ack,
    close: () => client.dispose() as Promise<void>,
    subscribe<T>(query: string, variables: Record<string, unknown> = {}) {
      const state = { results: [] as ExecutionResult<T>[], error: undefined as unknown, ended: false };
      const dispose = client.subscribe<T>(
        { query, variables },
        {
          next: (result) => void state.results.push(result as ExecutionResult<T>),
          error: (error) => {
            state.error = error;
            state.ended = true;
          },
          complete: () => void (state.ended = true),
        },
      );
      return {
        get results() {
          return state.results;
        },
        get data() {
          return state.results.flatMap((r) => (r.data ? [r.data] : []));
        },
        get error() {
          return state.error;
        },
        get ended() {
          return state.ended;
        },
        untilCount: (count, timeoutMs = 10_000) =>
          waitFor(`${count} subscription results (got ${state.results.length}${state.error ? `, error ${JSON.stringify(state.error)}` : ''})`, () => state.results.length >= count && state.results, timeoutMs),
        untilEnded: async (timeoutMs = 10_000) => void (await waitFor('the subscription to end', () => state.ended, timeoutMs)),
        unsubscribe: dispose,
      };
    },
  };
}
