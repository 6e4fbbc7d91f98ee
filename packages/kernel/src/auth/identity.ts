/** The roles a token may carry (SPEC.md actors; CONTRACT.md "Identity"). */
export const ROLES = ['customer', 'organizer', 'admin'] as const;

/** `customer` books and cancels, `organizer` registers and deletes tickets, `admin` may act for anyone. */
export type Role = (typeof ROLES)[number];

/** A verified end user: the token's `sub` and `role` claims, as the router verified them. */
export interface Identity {
  /** The token's subject: a customer id or an organizer id (`alice`). */
  readonly subject: string;
  readonly role: Role;
}

/**
 * Who is calling a subgraph, as its internal credential proves (`InternalCredentials.verify`):
 * - `router`: a client request the router forwards; `identity` is the verified end user, or null
 *   for an anonymous client (only public ticket search answers it);
 * - `service`: another context's sync call (`booking` → payment), with no end user.
 */
export type Caller = { readonly kind: 'router'; readonly identity: Identity | null } | { readonly kind: 'service'; readonly service: string };

/**
 * One string per end user (`<role>\n<subject>`; `''` for an anonymous client), for keys of
 * per-user caches and sockets: a newline cannot occur in a role, so no two identities share one.
 */
export function identityKey(identity: Identity | null): string {
  return identity ? `${identity.role}\n${identity.subject}` : '';
}

/** True when `value` is one of `ROLES`. */
export function isRole(value: unknown): value is Role {
  return typeof value === 'string' && (ROLES as readonly string[]).includes(value);
}
