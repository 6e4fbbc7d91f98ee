import { readFileSync } from 'node:fs';
import { ApolloGateway, GraphQLDataSourceProcessOptions, RemoteGraphQLDataSource } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import { Identity } from '@supergraph/kernel';
import { GraphQLError } from 'graphql';
import { CALLER_HEADER, EdgeCredential } from './edge-credential';

interface StockContext {
  identity: Identity | null;
}

/**
 * Stock `@apollo/gateway` + `@apollo/server` with their default settings (the standalone server,
 * the default data source and fetcher), on the supergraph at `BENCH_SUPERGRAPH`, port `PORT`.
 * The only addition is what our subgraphs require of any caller: a `RemoteGraphQLDataSource`
 * whose `willSendRequest` sets the router credential of the client's verified token
 * (`EdgeCredential`), exactly the work our router does for it.
 */
class CredentialedDataSource extends RemoteGraphQLDataSource<StockContext> {
  constructor(
    url: string,
    private readonly edge: EdgeCredential,
  ) {
    super({ url });
  }

  override async willSendRequest({ request, context }: GraphQLDataSourceProcessOptions<StockContext>): Promise<void> {
    request.http?.headers.set(CALLER_HEADER, await this.edge.credential(('identity' in context && context.identity) || null));
  }
}

async function main(): Promise<void> {
  const edge = new EdgeCredential();
  const gateway = new ApolloGateway({
    supergraphSdl: readFileSync(process.env.BENCH_SUPERGRAPH!, 'utf8'),
    buildService: ({ url }) => new CredentialedDataSource(url!, edge),
  });
  const server = new ApolloServer<StockContext>({ gateway });
  const { url } = await startStandaloneServer(server, {
    listen: { port: Number(process.env.PORT), host: '127.0.0.1' },
    context: async ({ req }) => {
      try {
        return { identity: await edge.identify(req.headers.authorization) };
      } catch (error) {
        throw new GraphQLError((error as Error).message, { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
      }
    },
  });
  console.log(`stock gateway ready at ${url}`);
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
