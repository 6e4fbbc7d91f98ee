import { CALLER_HEADER, DEV_ROUTER_CREDENTIAL_SECRET, DEV_SERVICE_CREDENTIAL_SECRET, Identity, InternalCredentials, Role, signUserToken } from '@supergraph/kernel';

/** Signs internal credentials with the development secrets, which every service under test uses (none sets its own). */
const credentials = new InternalCredentials({ routerSecret: DEV_ROUTER_CREDENTIAL_SECRET, serviceSecret: DEV_SERVICE_CREDENTIAL_SECRET });

/** An identity of role `customer` (`customer('alice')`). */
export const customer = (subject: string): Identity => ({ subject, role: 'customer' });
/** An identity of role `organizer`. */
export const organizer = (subject: string): Identity => ({ subject, role: 'organizer' });
/** An identity of role `admin`. */
export const admin = (subject = 'admin'): Identity => ({ subject, role: 'admin' });

/**
 * Headers with which a subgraph takes a request as forwarded by the router for `identity` (null:
 * an anonymous client): `{ 'x-supergraph-caller': <router credential> }`. For integration tests
 * that call a subgraph directly, and as graphql-ws `connection_init` payload.
 */
export async function asRouter(identity: Identity | null): Promise<Record<string, string>> {
  return { [CALLER_HEADER]: await credentials.forRouter(identity) };
}

/** Headers of a sync call of context `service` (`asService('booking')`): its service credential. */
export async function asService(service: string): Promise<Record<string, string>> {
  return { [CALLER_HEADER]: await credentials.forService(service) };
}

/**
 * `{ authorization: 'Bearer <token>' }` of an end user as the router accepts it (development
 * HS256 key, 1 h): for requests through the router. `role` defaults to `customer`.
 */
export async function bearer(subject: string, role: Role = 'customer', expiresInS?: number): Promise<Record<string, string>> {
  return { authorization: `Bearer ${await signUserToken({ subject, role, expiresInS })}` };
}

/**
 * Headers a subgraph must answer 401 `UNAUTHENTICATED` (as the end user `identity`, where they
 * name one): none at all, an end-user bearer token instead of a credential, a credential that is
 * not a JWT, one signed with another key, one that expired an hour ago, a "service" credential
 * signed with the router's key, and an end-user token passed off as a credential.
 */
export async function refusedCallerHeaders(identity: Identity): Promise<Record<string, string>[]> {
  const forged = new InternalCredentials({ routerSecret: 'not-the-secret-the-subgraphs-hold-0123456789' });
  const expired = new InternalCredentials({ routerSecret: DEV_ROUTER_CREDENTIAL_SECRET, maxAgeMs: -3_600_000 });
  const fakeService = new InternalCredentials({ routerSecret: DEV_ROUTER_CREDENTIAL_SECRET, serviceSecret: DEV_ROUTER_CREDENTIAL_SECRET });
  return [
    {},
    await bearer(identity.subject, identity.role),
    { [CALLER_HEADER]: 'not-a-jwt' },
    { [CALLER_HEADER]: await forged.forRouter(identity) },
    { [CALLER_HEADER]: await expired.forRouter(identity) },
    { [CALLER_HEADER]: await fakeService.forService('booking') },
    { [CALLER_HEADER]: await signUserToken({ subject: identity.subject, role: identity.role }) },
  ];
}
