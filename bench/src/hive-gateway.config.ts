import { EdgeCredential, CALLER_HEADER } from './edge-credential';

/** The parts of Hive Gateway's `onFetch` payload this plugin uses. */
interface OnFetchPayload {
  options: { headers?: Record<string, string> } & Record<string, unknown>;
  setOptions(options: OnFetchPayload['options']): void;
  context?: { request?: Request };
}

const edge = new EdgeCredential();
/** One token check per client request, however many subgraph fetches it makes. */
const perRequest = new WeakMap<Request, Promise<string>>();

function credentialOf(request: Request | undefined): Promise<string> {
  if (!request) return edge.credential(null);
  let credential = perRequest.get(request);
  if (!credential) {
    credential = edge.identify(request.headers.get('authorization')).then((identity) => edge.credential(identity));
    perRequest.set(request, credential);
  }
  return credential;
}

/**
 * Hive Gateway's configuration for the bench (`hive-gateway supergraph <file> -c <this file>`):
 * its defaults plus one plugin whose `onFetch` hook sets the router credential of the client's
 * verified token on every subgraph fetch (`EdgeCredential`), the work our router and the stock
 * gateway's data source do. A refused token fails the fetch.
 */
export const gatewayConfig = {
  plugins: () => [
    {
      onFetch({ options, setOptions, context }: OnFetchPayload) {
        return credentialOf(context?.request).then((credential) => setOptions({ ...options, headers: { ...options.headers, [CALLER_HEADER]: credential } }));
      },
    },
  ],
};
