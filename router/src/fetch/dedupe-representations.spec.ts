import { dedupeRepresentations, fanOutEntities } from './dedupe-representations';

const ticket = (id: string) => ({ __typename: 'Ticket', id });

describe('dedupeRepresentations', () => {
  it('keeps each distinct representation once, in order of first appearance, and maps every position to it', () => {
    expect(dedupeRepresentations([ticket('a'), ticket('b'), ticket('a'), ticket('c'), ticket('b')])).toEqual({
      unique: [ticket('a'), ticket('b'), ticket('c')],
      uniqueIndexOf: [0, 1, 0, 2, 1],
    });
  });

  it('tells representations apart by every field, not only the key', () => {
    const deduped = dedupeRepresentations([
      { __typename: 'Booking', id: '1', ticketId: 't' },
      { __typename: 'Booking', id: '1', ticketId: 'u' },
      { __typename: 'Booking', id: '1', ticketId: 't' },
    ]);
    expect(deduped?.unique).toHaveLength(2);
  });

  it('returns undefined when there is nothing to remove', () => {
    expect(dedupeRepresentations([ticket('a'), ticket('b')])).toBeUndefined();
    expect(dedupeRepresentations([])).toBeUndefined();
  });
});

describe('fanOutEntities', () => {
  it('puts each entity back at every original position, as a separate copy', () => {
    const { uniqueIndexOf } = dedupeRepresentations([ticket('a'), ticket('b'), ticket('a')])!;
    const response = fanOutEntities({ data: { _entities: [{ title: 'A', venue: { name: 'V' } }, { title: 'B', venue: null }] } }, uniqueIndexOf);
    const entities = response.data!._entities as { title: string; venue: { name: string } | null }[];
    expect(entities).toEqual([{ title: 'A', venue: { name: 'V' } }, { title: 'B', venue: null }, { title: 'A', venue: { name: 'V' } }]);
    expect(entities[2]).not.toBe(entities[0]);
    expect(entities[2].venue).not.toBe(entities[0].venue);
  });

  it("repeats an entity's error for each of its original positions with that position's path", () => {
    const { uniqueIndexOf } = dedupeRepresentations([ticket('a'), ticket('b'), ticket('a')])!;
    const response = fanOutEntities(
      {
        data: { _entities: [null, { title: 'B' }] },
        errors: [
          { message: 'ticket a is gone', path: ['_entities', 0, 'title'], extensions: { code: 'NOT_FOUND' } },
          { message: 'no path' },
          { message: 'elsewhere', path: ['other', 0] },
        ],
      },
      uniqueIndexOf,
    );
    expect(response.data!._entities).toEqual([null, { title: 'B' }, null]);
    expect(response.errors).toEqual([
      { message: 'ticket a is gone', path: ['_entities', 0, 'title'], extensions: { code: 'NOT_FOUND' } },
      { message: 'ticket a is gone', path: ['_entities', 2, 'title'], extensions: { code: 'NOT_FOUND' } },
      { message: 'no path' },
      { message: 'elsewhere', path: ['other', 0] },
    ]);
  });

  it('passes a response without an _entities array (a failed fetch) through with its errors', () => {
    const response = { data: null, errors: [{ message: 'boom' }] };
    expect(fanOutEntities(response, [0, 0])).toEqual(response);
  });
});
