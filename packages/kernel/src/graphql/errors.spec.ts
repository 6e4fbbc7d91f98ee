import { GraphQLError } from 'graphql';
import type { Logger } from 'pino';
import { DomainError } from '../domain/errors';
import { createErrorFormatter } from './errors';

/** What Apollo Server passes to formatError for an error thrown by a resolver at `path`. */
function resolverError(original: Error, path: string[] = ['bookTicket']) {
  const error = new GraphQLError(original.message, { path, originalError: original });
  const formatted = { ...error.toJSON(), extensions: { code: 'INTERNAL_SERVER_ERROR', stacktrace: ['Error: boom', '    at resolver (/srv/x.ts:1:1)'] } };
  return { error, formatted };
}

describe('createErrorFormatter', () => {
  const logger = { error: jest.fn() };
  const format = createErrorFormatter(logger as unknown as Logger);
  beforeEach(() => logger.error.mockClear());

  it('maps a DomainError to its code and field, keeping message and path', () => {
    const { error, formatted } = resolverError(new DomainError('BAD_USER_INPUT', 'input.price: must be greater than 0', 'input.price'));
    expect(format(formatted, error)).toEqual({
      message: 'input.price: must be greater than 0',
      locations: undefined,
      path: ['bookTicket'],
      extensions: { code: 'BAD_USER_INPUT', field: 'input.price' },
    });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('omits field when the DomainError has none', () => {
    const { error, formatted } = resolverError(new DomainError('SOLD_OUT', 'sold out'));
    expect(format(formatted, error).extensions).toEqual({ code: 'SOLD_OUT' });
  });

  it('answers an unknown error with INTERNAL_SERVER_ERROR, a generic message and no stack, and logs it', () => {
    const secret = new Error('connect ECONNREFUSED 10.0.0.7:5432 password=hunter2');
    const { error, formatted } = resolverError(secret);
    const result = format(formatted, error);
    expect(result).toEqual({ message: 'Internal server error', locations: undefined, path: ['bookTicket'], extensions: { code: 'INTERNAL_SERVER_ERROR' } });
    expect(JSON.stringify(result)).not.toMatch(/hunter2|stacktrace|ECONNREFUSED/);
    expect(logger.error).toHaveBeenCalledWith({ err: secret }, 'unexpected error');
  });

  it('keeps codes Apollo already set (validation, coded errors) but drops their stack', () => {
    const validation = { message: 'Cannot query field "x" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED', stacktrace: ['GraphQLError: ...'] } };
    expect(format(validation, new GraphQLError(validation.message))).toEqual({ message: validation.message, extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } });

    const coded = new GraphQLError('missing router credential', { extensions: { code: 'UNAUTHENTICATED' } });
    expect(format({ message: coded.message, extensions: { ...coded.extensions } }, coded)).toEqual({ message: 'missing router credential', extensions: { code: 'UNAUTHENTICATED' } });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('keeps only code and field of a coded error’s extensions: what the gateway and the data source add never leaves', () => {
    // A subgraph's error as the router's gateway hands it over (downstream error + data source details).
    const downstream = {
      message: 'Variable "$input" got invalid value "tomorrow" at "input.saleStartsAt"',
      path: ['registerTicket'],
      extensions: {
        code: 'BAD_USER_INPUT',
        field: 'input.saleStartsAt',
        serviceName: 'ticket',
        response: { url: 'http://10.0.0.7:4001/graphql', status: 400, statusText: 'Bad Request', body: { errors: [] } },
        exception: { stacktrace: ['GraphQLError: ...', '    at /srv/app/node_modules/graphql/execution.js:1:1'] },
        stacktrace: ['GraphQLError: ...'],
      },
    };
    const result = format(downstream, new GraphQLError(downstream.message, { extensions: downstream.extensions }));
    expect(result).toEqual({ message: downstream.message, path: ['registerTicket'], extensions: { code: 'BAD_USER_INPUT', field: 'input.saleStartsAt' } });
    expect(JSON.stringify(result)).not.toMatch(/serviceName|10\.0\.0\.7|stacktrace|\/srv\//);

    const forbidden = { message: 'no', extensions: { code: 'FORBIDDEN', field: 42, response: { status: 403 } } };
    expect(format(forbidden, new GraphQLError('no')).extensions).toEqual({ code: 'FORBIDDEN' });
  });

  it('maps a DomainError wrapped in a pathless GraphQLError (as graphql-ws wraps what a subscription stream throws)', () => {
    const wrapped = new GraphQLError('too slow', { originalError: new DomainError('RATE_LIMITED', 'too slow') });
    expect(format(wrapped.toJSON(), wrapped)).toEqual({ message: 'too slow', locations: undefined, path: undefined, extensions: { code: 'RATE_LIMITED' } });
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('treats an error without a code as internal', () => {
    const result = format({ message: 'weird' }, new Error('weird'));
    expect(result).toMatchObject({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } });
  });
});
