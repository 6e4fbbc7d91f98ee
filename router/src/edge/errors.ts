import { unwrapResolverError } from '@apollo/server/errors';
import { GraphQLFormattedError } from 'graphql';

/** An error formatter as Apollo Server and `serveSubscriptions` take it (`createErrorFormatter`). */
export type ErrorFormatter = (formatted: GraphQLFormattedError, error: unknown) => GraphQLFormattedError;

/**
 * `format`, with two rules of the edge for every error the router answers (HTTP and graphql-ws):
 * - an error without a code that Apollo Server raised as a client error (its `extensions.http`
 *   status is 4xx, e.g. `Unsupported persisted query version`) is coded `BAD_REQUEST` first, so
 *   that `format` keeps it instead of logging it and answering `INTERNAL_SERVER_ERROR`;
 * - any `Did you mean "…"?` (graphql-js suggestions of fields, types, arguments, enum values) is
 *   cut from the message: with introspection off, suggestions would still reveal the schema.
 */
export function edgeErrorFormatter(format: ErrorFormatter): ErrorFormatter {
  return (formatted, error) => {
    const status = (unwrapResolverError(error) as { extensions?: { http?: { status?: unknown } } } | null)?.extensions?.http?.status;
    const clientError = formatted.extensions?.code === undefined && typeof status === 'number' && status >= 400 && status < 500;
    const result = format(clientError ? { ...formatted, extensions: { ...formatted.extensions, code: 'BAD_REQUEST' } } : formatted, error);
    return result.message.includes('Did you mean') ? { ...result, message: result.message.replace(/\s*Did you mean .+\?/g, '') } : result;
  };
}
