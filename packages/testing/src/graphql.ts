/** A GraphQL response as a client sees it. */
export interface GraphQLResult<T = any> {
  data?: T | null;
  errors?: { message: string; path?: (string | number)[]; extensions?: { code?: string; field?: string; [key: string]: unknown } }[];
}

/** POSTs one operation to `url` and returns the parsed response (whatever the HTTP status). */
export async function gql<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<GraphQLResult<T>> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'apollo-require-preflight': 'true', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  return (await response.json()) as GraphQLResult<T>;
}

/** Like `gql` but throws when the response has errors; returns `data`. */
export async function gqlData<T = any>(url: string, query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}): Promise<T> {
  const result = await gql<T>(url, query, variables, headers);
  if (result.errors?.length || !result.data) throw new Error(`GraphQL errors: ${JSON.stringify(result.errors)}`);
  return result.data;
}

/** The first error's `extensions.code`, or undefined. */
export function errorCode(result: GraphQLResult): string | undefined {
  return result.errors?.[0]?.extensions?.code;
}

/** How an endpoint answered a raw request: status, content type and body text. */
export interface RawAnswer {
  status: number;
  contentType: string | null;
  text: string;
}

/**
 * POSTs to a GraphQL endpoint the two bodies it must refuse before GraphQL sees them: `malformed`
 * (not JSON) and `oversized` (valid JSON over 1 MB), with `headers` (a subgraph's internal
 * credential, `asRouter`); resolves with how each was answered.
 */
export async function postBadBodies(url: string, headers: Record<string, string> = {}): Promise<{ malformed: RawAnswer; oversized: RawAnswer }> {
  const post = async (body: string): Promise<RawAnswer> => {
    const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    return { status: response.status, contentType: response.headers.get('content-type'), text: await response.text() };
  };
  return {
    malformed: await post('{"query": "{ __typename'),
    oversized: await post(JSON.stringify({ query: '{ __typename }', variables: { pad: 'x'.repeat(1_100_000) } })),
  };
}

/** HTTP status and first error code (undefined when none) of `query` POSTed to `url` with only `headers`. */
export async function statusAndCode(url: string, query: string, headers: Record<string, string> = {}): Promise<[number, string | undefined]> {
  const response = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ query }) });
  return [response.status, errorCode((await response.json()) as GraphQLResult)];
}
