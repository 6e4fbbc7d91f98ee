import { buildSchema, GraphQLError, parse, validate, specifiedRules } from 'graphql';
import { OperationLimits } from './limits';

const limits = (overrides: Partial<ConstructorParameters<typeof OperationLimits>[0]> = {}) =>
  new OperationLimits({ maxDepth: 3, maxAliases: 2, maxTokens: 20, maxCost: 5000, maxDirectives: 1, production: false, ...overrides });

const schema = buildSchema('type Query { a: A, b: Int } type A { a: A, b: Int }');
const messages = (l: OperationLimits, query: string) => validate(schema, parse(query), [...specifiedRules, ...l.validationRules]).map((e: GraphQLError) => [e.message, e.extensions.code]);

describe('OperationLimits', () => {
  it('refuses more than maxTokens tokens (BAD_REQUEST) and U+0000 in variables, object keys or string literals (BAD_USER_INPUT)', () => {
    const l = limits();
    expect(l.refusal({ query: `{ ${'b '.repeat(18)}}` })).toBeNull();
    expect(l.refusal({ query: `{ ${'b '.repeat(19)}}` })).toEqual(expect.objectContaining({ message: 'Token limit of 20 exceeded.', extensions: { code: 'BAD_REQUEST' } }));
    expect(l.refusal({ query: '{ b }', variables: { deep: [{ x: ['ok', 'a\u0000'] }] } })?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(l.refusal({ query: '{ b }', variables: { ['k\u0000']: 1 } })?.extensions).toEqual({ code: 'BAD_USER_INPUT' });
    expect(l.refusal({ query: '{ a(x: "\\u0000") { b } }' })?.message).toBe('Strings must not contain the NUL character (U+0000).');
    expect(l.refusal({ query: '{ b } # \u0000 in a comment is no string' })).toBeNull();
  });

  it('leaves a document that does not lex, and bodies that are not GraphQL requests, to the parser and Apollo Server', () => {
    expect(limits().refusal({ query: '{ "unterminated' })).toBeNull();
    expect(limits().refusal({ query: 42, variables: 'x' })).toBeNull();
  });

  it('reports depth, aliases and directives over their limits as validation errors naming the limit', () => {
    expect(messages(limits(), '{ a { a { a { b } } } }')).toEqual([['Query depth limit of 3 exceeded, found 4.', 'GRAPHQL_VALIDATION_FAILED']]);
    expect(messages(limits(), '{ x: b y: b z: b }')).toEqual([['Aliases limit of 2 exceeded, found 3.', 'GRAPHQL_VALIDATION_FAILED']]);
    expect(messages(limits(), '{ b @skip(if: false) @include(if: true) }')).toEqual([['Directives limit of 1 exceeded, found 2.', 'GRAPHQL_VALIDATION_FAILED']]);
    expect(messages(limits({ maxCost: 3 }), '{ a { b } b }')).toEqual([[expect.stringMatching(/^Query Cost limit of 3 exceeded, found \d/), 'GRAPHQL_VALIDATION_FAILED']]);
    expect(messages(limits(), '{ a { a { b } } }')).toEqual([]);
  });

  it('refuses introspection over graphql-ws only in production', () => {
    expect(messages(limits(), '{ __schema { queryType { name } } }')).toEqual([]);
    expect(messages(limits({ production: true }), '{ __type(name: "Query") { name } }')).toEqual([[expect.stringMatching(/introspection has been disabled/), undefined]]);
  });
});
