import type { RequestHandler } from 'express';

/**
 * Express middleware, first in every service's chain, for a clean stop under load (SIGTERM while
 * clients keep sending):
 * - while `draining()` is true, every response carries `Connection: close`, so keep-alive
 *   clients (the router's connection pool, booking's payment client) open a new connection,
 *   to another replica, for their next request instead of reusing this one;
 * - a request that arrives on a connection this server has already half-closed is dropped
 *   unprocessed (its socket destroyed). The HTTP drain (`ApolloServerPluginDrainHttpServer`)
 *   ends each keep-alive socket after its last response; a request the client had already sent
 *   on it is still parsed, and would be executed but could never be answered: its client would
 *   see "other side closed" while the change committed. Dropped, it fails having written
 *   nothing (CONTRACT.md "Errors": a failed mutation writes nothing), and the client may retry.
 */
export function refuseUnanswerableRequests(draining: () => boolean): RequestHandler {
  return (req, res, next) => {
    if (req.socket.writableEnded || req.socket.destroyed) {
      req.socket.destroy();
      return;
    }
    if (draining()) res.setHeader('Connection', 'close');
    next();
  };
}
