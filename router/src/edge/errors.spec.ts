import { GraphQLError } from 'graphql';
import { createErrorFormatter, createLogger } from '@supergraph/kernel';
import { edgeErrorFormatter } from './errors';

const format = edgeErrorFormatter(createErrorFormatter(createLogger('test', 'silent')));
const formatted = (error: GraphQLError) => format(error.toJSON(), error);

describe('edgeErrorFormatter', () => {
  it('codes an uncoded client error of Apollo Server (extensions.http 4xx) BAD_REQUEST instead of INTERNAL_SERVER_ERROR', () => {
    const error = new GraphQLError('Unsupported persisted query version', { extensions: { http: { status: 400 } } });
    expect(formatted(error)).toEqual({ message: 'Unsupported persisted query version', extensions: { code: 'BAD_REQUEST' } });
  });

  it('leaves coded errors and server failures as the formatter answers them', () => {
    expect(formatted(new GraphQLError('no', { extensions: { code: 'FORBIDDEN', http: { status: 400 } } })).extensions).toEqual({ code: 'FORBIDDEN' });
    expect(formatted(new GraphQLError('boom', { extensions: { http: { status: 502 } } }))).toEqual(expect.objectContaining({ message: 'Internal server error', extensions: { code: 'INTERNAL_SERVER_ERROR' } }));
  });

  it('cuts field, argument and enum value suggestions from messages', () => {
    const cut = (message: string) => formatted(new GraphQLError(message, { extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } })).message;
    expect(cut('Cannot query field "titl" on type "Ticket". Did you mean "title"?')).toBe('Cannot query field "titl" on type "Ticket".');
    expect(cut('Unknown argument "ids" on field "Query.ticket". Did you mean "id"?')).toBe('Unknown argument "ids" on field "Query.ticket".');
    expect(cut('Value "BOOK" does not exist in "BookingStatus" enum. Did you mean the enum value "BOOKED" or "CANCELED"?')).toBe('Value "BOOK" does not exist in "BookingStatus" enum.');
  });
});
