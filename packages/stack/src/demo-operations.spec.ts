import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, parse, validate } from 'graphql';
import { REPO_ROOT } from '@supergraph/kernel';
import { OPERATIONS } from './demo-operations';

/** The demo speaks the public contract only: every operation validates against schema/contract/ticketing.graphql. */
describe('demo operations', () => {
  const contract = buildSchema(readFileSync(join(REPO_ROOT, 'schema', 'contract', 'ticketing.graphql'), 'utf8'));

  it.each(Object.entries(OPERATIONS))('%s is valid against the public ticketing contract', (_name, operation) => {
    expect(validate(contract, parse(operation)).map((error) => error.message)).toEqual([]);
  });

  it('would notice an operation the contract does not have', () => {
    expect(validate(contract, parse('{ tickets { totalCount pricey } }')).map((error) => error.message)).toEqual([
      'Cannot query field "pricey" on type "TicketConnection".',
    ]);
  });
});
