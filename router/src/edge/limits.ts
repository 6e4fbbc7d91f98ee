import type { ApolloServerPlugin } from '@apollo/server';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import type { RequestHandler } from 'express';
import { GraphQLError, Lexer, NoSchemaIntrospectionCustomRule, Source, TokenKind, ValidationContext, ValidationRule } from 'graphql';
import { holdsNul } from '@supergraph/kernel';

/** The limits every operation must keep (router config; issue "Edge security" part 5). */
export interface OperationLimitsConfig {
  /** Deepest selection set, fields nested (`MAX_DEPTH`); the introspection query's `__schema` is not counted. */
  maxDepth: number;
  /** Aliases in one operation (`MAX_ALIASES`); `__typename` aliases are free. */
  maxAliases: number;
  /** Lexical tokens in one document (`MAX_TOKENS`). */
  maxTokens: number;
  /** GraphQL Armor cost (`MAX_COST`): 2 per object field, 1 per scalar field, ×1.5 per level of depth; introspection not counted. */
  maxCost: number;
  /** Directives in one operation (`MAX_DIRECTIVES`). */
  maxDirectives: number;
  /** `NODE_ENV=production`: introspection is refused (over graphql-ws by `validationRules`; over HTTP by Apollo Server's `introspection: false`). */
  production: boolean;
}

/** Code of every limit violation found while validating (as Apollo Server codes any validation error). */
const VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED';

/**
 * Operation limits of the router, from GraphQL Armor (`ApolloArmor`: max depth, max aliases, cost
 * limit, max directives) plus a token limit, applied alike over HTTP and graphql-ws:
 * - `apollo`: Apollo Server's `plugins` and `validationRules`. A violation is a validation error,
 *   `GRAPHQL_VALIDATION_FAILED` (400), naming the limit and what was found, e.g.
 *   `Query depth limit of 12 exceeded, found 13.`
 * - `validationRules`: the same rules for `checkOperation` (graphql-ws), plus
 *   `NoSchemaIntrospectionCustomRule` in production.
 * - `requestLimits()`: express middleware in front of Apollo Server refusing, before anything is
 *   parsed, a document of more than `maxTokens` tokens (`BAD_REQUEST`, 400) and a string (in the
 *   variables or a literal) with the NUL character U+0000 (`BAD_USER_INPUT`, 400: no store keeps
 *   it alike, and PostgreSQL fails on it with an error of its own); `refusal(request)` is the
 *   same check for graphql-ws. (Armor's own max-tokens plugin throws from `parsingDidStart`,
 *   which Apollo Server 5 answers with a 500, so tokens are counted here with graphql-js's lexer.)
 * - `apollo.plugins` also refuses a document without the operation to run (several operations
 *   and no or an unknown `operationName`) with `BAD_REQUEST` (400), as `checkOperation` does over
 *   graphql-ws, where the gateway would answer 500.
 * Field suggestions (`Did you mean …`) are cut by the error formatter (`edgeErrorFormatter`),
 * which sees the errors of both transports; Armor's own plugin only sees HTTP, so it is left off.
 */
export class OperationLimits {
  /** Plugins and validation rules to give `new ApolloServer(...)`. */
  readonly apollo: { plugins: ApolloServerPlugin<any>[]; validationRules: ValidationRule[] };
  /** Validation rules beyond graphql-js's own for an operation over graphql-ws. */
  readonly validationRules: ValidationRule[];

  constructor(readonly config: OperationLimitsConfig) {
    const reject = { propagateOnRejection: false, onReject: [reportLimit] };
    const { plugins, validationRules } = new ApolloArmor({
      maxDepth: { n: config.maxDepth, ignoreIntrospection: true, ...reject },
      maxAliases: { n: config.maxAliases, ...reject },
      costLimit: { maxCost: config.maxCost, ignoreIntrospection: true, ...reject },
      maxDirectives: { n: config.maxDirectives, ...reject },
      maxTokens: { enabled: false },
      blockFieldSuggestion: { enabled: false },
    }).protect();
    this.apollo = { plugins: [...plugins, operationMustResolve], validationRules };
    this.validationRules = config.production ? [...validationRules, NoSchemaIntrospectionCustomRule] : validationRules;
  }

  /**
   * Why a GraphQL request (`query` and `variables` as the client sent them) is refused before
   * parsing: `BAD_REQUEST` naming the token limit when `query` has more than `maxTokens` tokens,
   * `BAD_USER_INPUT` when a string in `variables` or a string literal holds U+0000; else null (a
   * lexical error is left to the parser, anything not a string to Apollo Server).
   */
  refusal(request: { query?: unknown; variables?: unknown }): GraphQLError | null {
    const found = typeof request.query === 'string' ? scan(request.query, this.config.maxTokens) : null;
    if (found === 'tokens') return new GraphQLError(`Token limit of ${this.config.maxTokens} exceeded.`, { extensions: { code: 'BAD_REQUEST' } });
    if (found === 'nul' || holdsNul(request.variables)) return new GraphQLError('Strings must not contain the NUL character (U+0000).', { extensions: { code: 'BAD_USER_INPUT' } });
    return null;
  }

  /** Express middleware: `refusal` of a POST body or a GET's parameters, answered 400 as a GraphQL response; anything else goes on. */
  requestLimits(): RequestHandler {
    return (req, res, next) => {
      const request = req.method === 'GET' ? { query: req.query?.query, variables: parsedJson(req.query?.variables) } : ((req.body ?? {}) as { query?: unknown; variables?: unknown });
      const error = typeof request === 'object' && request !== null && !Array.isArray(request) ? this.refusal(request) : null;
      if (!error) {
        next();
        return;
      }
      res.status(400).json({ errors: [{ message: error.message, extensions: error.extensions }] });
    };
  }
}

/**
 * Lexes `query` up to `max` tokens: `tokens` when it has more, `nul` when a string literal holds
 * U+0000 (written `\u0000` in the document), else null (also when it does not lex: the parser
 * then says why).
 */
function scan(query: string, max: number): 'tokens' | 'nul' | null {
  const lexer = new Lexer(new Source(query));
  let tokens = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) {
      tokens += 1;
      if (tokens > max) return 'tokens';
      if ((token.kind === TokenKind.STRING || token.kind === TokenKind.BLOCK_STRING) && token.value.includes('\u0000')) return 'nul';
    }
  } catch {
    return null;
  }
  return null;
}

/** `value` parsed as JSON when it is a string that parses, else undefined (GET `variables`). */
function parsedJson(value: unknown): unknown {
  if (typeof value !== 'string') return undefined;
  try {
    return JSON.parse(value);
  } catch {
    return undefined;
  }
}

/**
 * Apollo Server plugin: a document whose operation cannot be picked (several operations and no
 * `operationName`, or an unknown one) is `BAD_REQUEST` (400), instead of the gateway's 500.
 */
const operationMustResolve: ApolloServerPlugin<any> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ operation, request }) {
        if (operation) return;
        const message = request.operationName ? `Unknown operation named "${request.operationName}".` : 'Must provide operation name if query contains multiple operations.';
        throw new GraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
      },
    };
  },
};

/** Armor's rejection, reported as a validation error without Armor's misleading `Syntax Error: ` prefix. */
function reportLimit(context: ValidationContext | null, error: GraphQLError): void {
  context?.reportError(new GraphQLError(error.message.replace(/^Syntax Error: /, ''), { extensions: { code: VALIDATION_FAILED } }));
}
