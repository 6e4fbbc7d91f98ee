import { graphql, GraphQLError, GraphQLObjectType, GraphQLSchema, Kind } from 'graphql';
import { DateTimeScalar } from './scalars';

describe('DateTime scalar', () => {
  describe('serialize', () => {
    it('writes Dates and ISO strings as ISO-8601 UTC', () => {
      expect(DateTimeScalar.serialize(new Date('2026-11-21T01:14:00Z'))).toBe('2026-11-21T01:14:00.000Z');
      expect(DateTimeScalar.serialize('2026-11-21T10:14:00+09:00')).toBe('2026-11-21T01:14:00.000Z');
    });

    it('refuses invalid dates', () => {
      expect(() => DateTimeScalar.serialize(new Date(Number.NaN))).toThrow(GraphQLError);
      expect(() => DateTimeScalar.serialize('soon')).toThrow('invalid date');
    });
  });

  describe('parseValue / parseLiteral', () => {
    it.each([
      ['2026-11-21T01:14:00Z', '2026-11-21T01:14:00.000Z'],
      ['2026-11-21T01:14:00.123Z', '2026-11-21T01:14:00.123Z'],
      ['2026-11-21T10:14:00+09:00', '2026-11-21T01:14:00.000Z'],
      ['2026-11-21T01:14Z', '2026-11-21T01:14:00.000Z'],
      ['2026-11-21t01:14:00z', '2026-11-21T01:14:00.000Z'],
      ['2026-11-21', '2026-11-21T00:00:00.000Z'],
    ])('accepts the ISO-8601 instant %s', (input, iso) => {
      expect(DateTimeScalar.parseValue(input).toISOString()).toBe(iso);
      expect(DateTimeScalar.parseLiteral({ kind: Kind.STRING, value: input }, {}).toISOString()).toBe(iso);
    });

    it.each([
      ['a number-like string', '1'],
      ['a year alone', '2026'],
      ['an English date', 'March 7, 2026'],
      ['a US date', '12/01/2026'],
      ['a time without offset (server-local, ambiguous)', '2026-12-01T10:00:00'],
      ['a space-separated time without offset', '2026-12-01 10:00'],
      ['an impossible calendar date', '2026-02-30T00:00:00Z'],
      ['an impossible time', '2026-02-01T24:30:00Z'],
      ['an empty string', ''],
    ])('rejects %s with BAD_USER_INPUT', (_what, input) => {
      expect(() => DateTimeScalar.parseValue(input)).toThrow(GraphQLError);
      try {
        DateTimeScalar.parseValue(input);
      } catch (error) {
        expect((error as GraphQLError).extensions.code).toBe('BAD_USER_INPUT');
      }
    });

    it('rejects non-string values and literals', () => {
      expect(() => DateTimeScalar.parseValue(1_700_000_000_000)).toThrow(GraphQLError);
      expect(() => DateTimeScalar.parseValue(null)).toThrow(GraphQLError);
      expect(() => DateTimeScalar.parseLiteral({ kind: Kind.INT, value: '17' }, {})).toThrow('ISO-8601');
    });
  });

  it('works inside a schema: variables are parsed, results serialised', async () => {
    const schema = new GraphQLSchema({
      query: new GraphQLObjectType({
        name: 'Query',
        fields: {
          echo: {
            type: DateTimeScalar,
            args: { at: { type: DateTimeScalar } },
            resolve: (_root, args: { at: Date }) => {
              expect(args.at).toBeInstanceOf(Date);
              return args.at;
            },
          },
        },
      }),
    });
    const ok = await graphql({ schema, source: 'query($at: DateTime) { echo(at: $at) }', variableValues: { at: '2026-11-21T10:14:00+09:00' } });
    expect(ok).toEqual({ data: { echo: '2026-11-21T01:14:00.000Z' } });
    const bad = await graphql({ schema, source: 'query($at: DateTime) { echo(at: $at) }', variableValues: { at: 'tomorrow' } });
    expect(bad.errors?.[0].message).toMatch(/ISO-8601/);
  });
});
