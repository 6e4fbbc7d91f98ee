import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

/**
 * `scalar DateTime` of every subgraph: an ISO-8601 instant in UTC (`2026-11-21T01:14:00.000Z`).
 * Serialises `Date`s and ISO strings. As input accepts only ISO-8601 instants with a zone
 * (`2026-11-21T10:14:00+09:00`, `…Z`) or a bare date (`2026-11-21`, UTC midnight); rejects
 * anything else with `BAD_USER_INPUT`.
 */
export const DateTimeScalar = new GraphQLScalarType<Date, string>({
  name: 'DateTime',
  description: 'ISO-8601 instant in UTC',
  serialize(value) {
    const date = value instanceof Date ? value : new Date(String(value));
    if (Number.isNaN(date.getTime())) throw new GraphQLError('DateTime cannot represent an invalid date');
    return date.toISOString();
  },
  parseValue(value) {
    return parseDate(value);
  },
  parseLiteral(ast) {
    if (ast.kind !== Kind.STRING) throw new GraphQLError('DateTime must be an ISO-8601 string', { extensions: { code: 'BAD_USER_INPUT' } });
    return parseDate(ast.value);
  },
});

/**
 * ISO-8601 / RFC 3339 instants: `YYYY-MM-DD`, or that plus `THH:MM[:SS[.fff]]` and a zone
 * (`Z` or `±HH:MM`). A time without a zone is rejected: `Date` would read it in the server's
 * local zone. Everything else `Date` happens to accept (`"1"`, `"March 7, 2026"`) is rejected too.
 */
const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})(?:[Tt](\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?([Zz]|[+-]\d{2}:?\d{2}))?$/;

function parseDate(value: unknown): Date {
  const match = typeof value === 'string' ? ISO_INSTANT.exec(value) : null;
  const date = match ? new Date(value as string) : new Date(NaN);
  // `Date` rolls impossible dates over (2026-02-30 → 2026-03-02): the calendar date must survive.
  const [, year, month, day] = match ?? [];
  const sameDay = match && !Number.isNaN(date.getTime()) && new Date(Date.UTC(+year, +month - 1, +day)).toISOString().startsWith(`${year}-${month}-${day}`);
  if (!sameDay) throw new GraphQLError('DateTime must be an ISO-8601 instant, e.g. 2026-11-21T01:14:00Z', { extensions: { code: 'BAD_USER_INPUT' } });
  return date;
}
