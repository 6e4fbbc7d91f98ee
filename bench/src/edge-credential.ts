import { BearerAuth, CALLER_HEADER, DEV_JWT_SECRET, DEV_ROUTER_CREDENTIAL_SECRET, Identity, InternalCredentials } from '@supergraph/kernel';

export { CALLER_HEADER };

/**
 * What the stock `@apollo/gateway` and Hive Gateway are given so they can call our subgraphs the
 * way our router does (the fair comparison): the client's `Authorization: Bearer <jwt>` verified
 * on every request by the kernel's `BearerAuth`, as in our router (jose, HS256, `JWT_SECRET` or
 * the development key), and the router credential (`x-supergraph-caller`) for that identity from
 * `InternalCredentials.forRouter`, which signs one HMAC per identity per 30 s and reuses it.
 */
export class EdgeCredential {
  private readonly auth: BearerAuth;
  private readonly credentials: InternalCredentials;

  constructor(env: NodeJS.ProcessEnv = process.env) {
    this.auth = new BearerAuth({ secret: env.JWT_SECRET || DEV_JWT_SECRET });
    this.credentials = new InternalCredentials({ routerSecret: env.ROUTER_CREDENTIAL_SECRET || DEV_ROUTER_CREDENTIAL_SECRET });
  }

  /** The identity an `Authorization` header proves; null without one. Throws `TokenError` (kernel). */
  async identify(authorization: string | null | undefined): Promise<Identity | null> {
    return (await this.auth.identify(authorization ?? undefined))?.identity ?? null;
  }

  /** The `x-supergraph-caller` value for a request of `identity` (null: anonymous). */
  credential(identity: Identity | null): Promise<string> {
    return this.credentials.forRouter(identity);
  }
}
