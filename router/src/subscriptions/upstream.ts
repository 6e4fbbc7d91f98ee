import { CALLER_HEADER, Identity, identityKey } from '@supergraph/kernel';
import { Client, createClient, ExecutionResult, SubscribePayload } from 'graphql-ws';
import type { Logger } from 'pino';
import WebSocket from 'ws';

/** What an upstream subscription reports (graphql-ws `Sink`). */
export interface UpstreamSink {
  next(result: ExecutionResult<Record<string, unknown>>): void;
  /** The subgraph's `error` message (GraphQL errors), or a close event / error once retries are exhausted. */
  error(error: unknown): void;
  complete(): void;
}

/** Tuning of the upstream sockets; defaults in brackets. */
export interface UpstreamOptions {
  /** Subgraph name → its GraphQL HTTP URL (`http://host:port/graphql`); the socket is the same URL with `ws:`. */
  urlOf(service: string): string;
  /** The router credential of `identity` (`InternalCredentials.forRouter`), signed afresh at every (re)connect. */
  credential(identity: Identity | null): Promise<string>;
  logger: Logger;
  /** Client-side keep-alive ping period, ms [10000]. */
  keepAliveMs?: number;
  /** How long a socket with no subscription left stays open before it closes, ms [5000]. */
  idleCloseMs?: number;
  /** Reconnect attempts before the subscriptions on a socket fail [10]. */
  retryAttempts?: number;
}

interface Socket {
  client: Client;
  subscriptions: number;
  idleTimer?: NodeJS.Timeout;
}

/**
 * The router's graphql-ws connections to the subgraphs (graphql-ws protocol `graphql-transport-ws`).
 * One socket per (subgraph, end user) carries every client subscription of that identity
 * (graphql-ws multiplexes operations on one socket); anonymous clients share one socket per
 * subgraph. Its `connection_init` carries only the router credential naming that identity
 * (`x-supergraph-caller`, signed at each connect), never the client's own payload or token. A socket reconnects by itself with backoff (250 ms doubling to 5 s, plus
 * jitter) and resends every subscription it carries; after `retryAttempts` failed attempts its
 * subscriptions fail. A socket without subscriptions closes after `idleCloseMs`.
 */
export class UpstreamSockets {
  private readonly sockets = new Map<string, Socket>();

  constructor(private readonly options: UpstreamOptions) {}

  /**
   * Subscribes `payload` on `service` over the socket of `identity`; returns the function
   * that unsubscribes (sends `complete` upstream at once). `payload` is re-sent as it is at
   * each reconnect, so updating `payload.variables` moves where a resumed subscription starts.
   */
  subscribe(service: string, identity: Identity | null, payload: SubscribePayload, sink: UpstreamSink): () => void {
    const key = `${service}\n${identityKey(identity)}`;
    const socket = this.socketFor(key, service, identity);
    socket.subscriptions += 1;
    clearTimeout(socket.idleTimer);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      socket.subscriptions -= 1;
      if (socket.subscriptions === 0) {
        socket.idleTimer = setTimeout(() => this.close(key, socket), this.options.idleCloseMs ?? 5000);
        socket.idleTimer.unref();
      }
    };
    const unsubscribe = socket.client.subscribe(payload, {
      next: (result) => sink.next(result as ExecutionResult<Record<string, unknown>>),
      error: (error) => {
        release();
        sink.error(error);
      },
      complete: () => {
        release();
        sink.complete();
      },
    });
    return () => {
      unsubscribe();
      release();
    };
  }

  /** Number of open upstream sockets (one per subgraph and identity in use). */
  get size(): number {
    return this.sockets.size;
  }

  /** Closes every socket (router stop). */
  async dispose(): Promise<void> {
    await Promise.all([...this.sockets.entries()].map(([key, socket]) => this.close(key, socket)));
  }

  private socketFor(key: string, service: string, identity: Identity | null): Socket {
    const existing = this.sockets.get(key);
    if (existing) return existing;
    const logger = this.options.logger.child({ subgraph: service });
    const client = createClient({
      url: this.options.urlOf(service).replace(/^http/, 'ws'),
      webSocketImpl: WebSocket,
      connectionParams: async () => ({ [CALLER_HEADER]: await this.options.credential(identity) }),
      lazy: true,
      keepAlive: this.options.keepAliveMs ?? 10_000,
      retryAttempts: this.options.retryAttempts ?? 10,
      shouldRetry: () => true,
      retryWait: (retries) => new Promise((resolve) => setTimeout(resolve, Math.min(250 * 2 ** retries, 5000) + Math.random() * 250)),
      on: {
        closed: (event) => {
          const { code, reason } = event as { code?: number; reason?: string };
          if (code !== 1000) logger.warn({ code, reason }, 'upstream subscription socket closed; reconnecting');
        },
        connected: () => logger.debug('upstream subscription socket connected'),
      },
    });
    const socket: Socket = { client, subscriptions: 0 };
    this.sockets.set(key, socket);
    return socket;
  }

  private async close(key: string, socket: Socket): Promise<void> {
    clearTimeout(socket.idleTimer);
    if (this.sockets.get(key) === socket) this.sockets.delete(key);
    await socket.client.dispose();
  }
}
