/**
 * The graphql-ws client loaded by `/live/graphql-ws.js` (the package's UMD build) before app.js:
 * a global `graphqlWs`, typed by the package's own client declarations.
 */
import type * as GraphqlWsClient from 'graphql-ws/client';

declare global {
  const graphqlWs: typeof GraphqlWsClient;
}
