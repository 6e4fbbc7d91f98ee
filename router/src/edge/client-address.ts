import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/** Whether the hop at `address`, `index` hops away from the router (0: the socket's peer), may be believed about the one before it. */
export type TrustProxy = (address: string, index: number) => boolean;

/**
 * Reads `TRUST_PROXY`: which proxies in front of the router may name the client in
 * `X-Forwarded-For` (the per-address rate limit counts that client, not the proxy):
 * - empty or `false` (default): none; the client is the socket's peer;
 * - a whole number `n`: the `n` nearest hops (e.g. `1` behind one ingress controller);
 * - a comma-separated list of addresses, CIDR ranges or the names `loopback`, `linklocal`,
 *   `uniquelocal` (`proxy-addr` syntax, as express's `trust proxy`).
 * `true` (trust every hop) is refused: any client could then pick its own address.
 * Throws an `Error` naming the problem.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim();
  if (text === '' || text === 'false') return () => false;
  if (text === 'true') throw new Error('true would let any client choose its address; give the number of proxies or their addresses');
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    return (_address, index) => index < hops;
  }
  try {
    return proxyaddr.compile(text.split(',').map((part) => part.trim()));
  } catch (error) {
    throw new Error((error as Error).message);
  }
}

/** The client's address of a request (HTTP or WebSocket upgrade): the first hop `trust` does not vouch for. */
export function clientAddress(request: IncomingMessage, trust: TrustProxy): string | undefined {
  return request.socket.remoteAddress ? proxyaddr(request, trust) : undefined;
}
