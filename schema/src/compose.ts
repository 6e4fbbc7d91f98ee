import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { Supergraph } from '@apollo/federation-internals';
import { parse, GraphQLSchema } from 'graphql';
import { REPO_ROOT, SUBGRAPHS } from '@supergraph/kernel';

/** Where the committed supergraph lives; the router loads it at start. */
export const SUPERGRAPH_PATH = join(REPO_ROOT, 'schema', 'supergraph.graphql');

/**
 * Composes the supergraph (Apollo Federation 2, `@apollo/composition`) from the SDL each
 * subgraph of the catalog owns (`<workspace>/src/schema.graphql`). Routing URLs are the local
 * defaults; the router overrides them from `<NAME>_URL`. Throws listing every composition error.
 */
export function composeSupergraph(): string {
  const services = SUBGRAPHS.map((service) => ({
    name: service.name,
    url: `http://127.0.0.1:${service.defaultPort}/graphql`,
    typeDefs: parse(readFileSync(join(REPO_ROOT, service.workspace, 'src', 'schema.graphql'), 'utf8')),
  }));
  const result = composeServices(services);
  if (result.errors) {
    throw new Error(`supergraph composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return `${result.supergraphSdl.trim()}\n`;
}

/** The API schema clients see (inaccessible fields removed) of a supergraph SDL. */
export function apiSchema(supergraphSdl: string): GraphQLSchema {
  return Supergraph.build(supergraphSdl).apiSchema().toGraphQLJSSchema();
}

/** The committed supergraph SDL. */
export function committedSupergraph(): string {
  return readFileSync(SUPERGRAPH_PATH, 'utf8');
}
