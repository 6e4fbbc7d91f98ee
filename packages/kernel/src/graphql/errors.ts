import { GraphQLError, GraphQLFormattedError } from 'graphql';
import { unwrapResolverError } from '@apollo/server/errors';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';

/**
 * Apollo Server `formatError` for every service: a `DomainError` becomes
 * `{ message, extensions: { code, field? } }`; errors already coded (by Apollo: validation, parse,
 * BAD_USER_INPUT on variables; by a subgraph, through the router) keep their message, code and
 * `field` and nothing else of their `extensions` (no `stacktrace`, no gateway `serviceName` or
 * subgraph `response`); anything else is logged and answered as `INTERNAL_SERVER_ERROR` with a
 * generic message. Stack traces and internals never leave the process (CONTRACT.md "Errors").
 * Also shapes the errors sent over WebSocket (`serveGraphqlWs`), where a `DomainError` thrown by a
 * subscription's event stream arrives wrapped in a GraphQLError without a path.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const original = originalOf(error);
    if (original instanceof DomainError) {
      const extensions: Record<string, unknown> = { code: original.code };
      if (original.field) extensions.field = original.field;
      return { message: original.message, locations: formatted.locations, path: formatted.path, extensions };
    }
    const code = formatted.extensions?.code;
    if (typeof code === 'string' && code !== 'INTERNAL_SERVER_ERROR') {
      const field = formatted.extensions?.field;
      return { ...formatted, extensions: typeof field === 'string' ? { code, field } : { code } };
    }
    logger.error({ err: original }, 'unexpected error');
    return { message: 'Internal server error', locations: formatted.locations, path: formatted.path, extensions: { code: 'INTERNAL_SERVER_ERROR' } };
  };
}

/** The error behind `error`: a resolver's own error, or the DomainError a pathless GraphQLError wraps. */
function originalOf(error: unknown): unknown {
  const original = unwrapResolverError(error);
  if (original instanceof GraphQLError && original.originalError instanceof DomainError) return original.originalError;
  return original;
}
