import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildSchema, findBreakingChanges, findDangerousChanges } from 'graphql';
import { apiSchema, committedSupergraph, composeSupergraph } from './compose';

/** "Dangerous" changes that are additions a contract client never notices. */
const ADDITIONS_SAFE_FOR_CLIENTS = new Set<string>(['VALUE_ADDED_TO_ENUM', 'TYPE_ADDED_TO_UNION', 'OPTIONAL_INPUT_FIELD_ADDED', 'OPTIONAL_ARG_ADDED']);

/**
 * Contract tests at the boundary (SPEC.md "What every system shows"): the committed supergraph
 * is exactly what the subgraphs' SDL composes to, and the API it exposes keeps CONTRACT.md.
 */
describe('supergraph', () => {
  const composed = composeSupergraph();

  it('is committed up to date: a subgraph SDL change without `npm run compose` fails here', () => {
    expect(committedSupergraph()).toBe(composed);
  });

  it('keeps every type, field, argument and default of the public contract', () => {
    const contract = buildSchema(readFileSync(join(__dirname, '..', 'contract', 'ticketing.graphql'), 'utf8'));
    const api = apiSchema(composed);
    const changes = [...findBreakingChanges(contract, api), ...findDangerousChanges(contract, api)]
      .filter((change) => !ADDITIONS_SAFE_FOR_CLIENTS.has(change.type))
      .map((change) => change.description);
    expect(changes).toEqual([]);
  });

  it('hides the internal sync-call mutation from clients', () => {
    const mutations = Object.keys(apiSchema(composed).getMutationType()?.getFields() ?? {});
    expect(mutations).toContain('bookTicket');
    expect(mutations).not.toContain('approvePayment');
  });
});
