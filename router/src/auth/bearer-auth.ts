import { GraphQLError } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { TokenError } from '@supergraph/kernel';

/** WebSocket close code for a connection whose token is invalid or has expired (graphql-ws `CloseCode.Unauthorized`; clients do not retry it). */
export const UNAUTHORIZED_CLOSE_CODE = CloseCode.Unauthorized;

/**
 * The GraphQL error for a request whose token was refused: `UNAUTHENTICATED`, HTTP 401 with
 * `WWW-Authenticate: Bearer` (RFC 6750 §3), the message naming the problem.
 */
export function unauthenticated(error: TokenError): GraphQLError {
  return new GraphQLError(`${error.message}: send "Authorization: Bearer <token>" (npm run token -- --sub alice --role customer)`, {
    extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers: new Map([['www-authenticate', 'Bearer error="invalid_token"']]) } },
  });
}

/**
 * The `Authorization` value a graphql-ws client put in its `connection_init` payload:
 * `authorization` or `Authorization` at the top level, or inside `headers` (the shape some
 * clients, Apollo's tools among them, send headers in).
 */
export function authorizationParam(connectionParams: Record<string, unknown>): string | undefined {
  const headers = connectionParams.headers;
  const nested = typeof headers === 'object' && headers !== null ? (headers as Record<string, unknown>) : {};
  const value = connectionParams.authorization ?? connectionParams.Authorization ?? nested.authorization ?? nested.Authorization;
  if (value === undefined) return undefined;
  if (typeof value !== 'string') throw new TokenError('connection_init authorization must be a string "Bearer <token>"');
  return value;
}
