import { AddressInfo, connect, createServer, Socket } from 'node:net';

/** A TCP proxy in front of one port whose connections a test can cut and restore (see `tcpProxy`). */
export interface TcpProxy {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Connections open through it right now. */
  readonly connections: number;
  /** True between `cut()` and `restore()`. */
  readonly isCut: boolean;
  /** Resets every open connection (both sides, TCP RST) and resets every new one until `restore()`. */
  cut(): void;
  /** Lets connections through again (those cut stay closed: clients must reconnect). */
  restore(): void;
  /** Cuts everything and stops listening. */
  close(): Promise<void>;
}

/**
 * Listens on a free port of 127.0.0.1 and forwards every connection, byte for byte, to
 * `targetHost:targetPort` (HTTP, WebSocket, anything over TCP). For tests of what a client does when
 * its network drops: open the client through `port`, `cut()` to drop it, `restore()` to let it back.
 */
export async function tcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const open = new Set<{ client: Socket; upstream: Socket }>();
  let cut = false;

  const server = createServer((client) => {
    if (cut) {
      client.resetAndDestroy();
      return;
    }
    const upstream = connect(targetPort, targetHost);
    const pair = { client, upstream };
    open.add(pair);
    const drop = () => {
      open.delete(pair);
      if (!client.destroyed) client.destroy();
      if (!upstream.destroyed) upstream.destroy();
    };
    for (const socket of [client, upstream]) {
      socket.setNoDelay(true);
      socket.on('error', drop);
      socket.on('close', drop);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });

  const resetAll = () => {
    for (const { client, upstream } of [...open]) {
      for (const socket of [client, upstream]) if (!socket.destroyed) socket.resetAndDestroy();
    }
    open.clear();
  };

  return {
    port: (server.address() as AddressInfo).port,
    get connections() {
      return open.size;
    },
    get isCut() {
      return cut;
    },
    cut() {
      cut = true;
      resetAll();
    },
    restore() {
      cut = false;
    },
    close() {
      cut = true;
      resetAll();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
