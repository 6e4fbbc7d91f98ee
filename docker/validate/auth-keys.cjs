'use strict';
/**
 * The authentication keys each service reads, for the wiring checks of docker/validate/compose.cjs
 * and docker/validate/k8s.cjs (`require()`d by both).
 *
 * Sources of the rules: packages/kernel/src/config.ts (`baseConfigShape`: `ROUTER_CREDENTIAL_SECRET`
 * and `SERVICE_CREDENTIAL_SECRET`, ≥ 32 characters, development defaults refused with
 * `NODE_ENV=production`), packages/kernel/src/auth/internal-credential.ts (the router holds no
 * `SERVICE_CREDENTIAL_SECRET`, so no client request can pass for a context's sync call) and
 * router/src/config.ts (`JWT_SECRET`, ≥ 32 characters, not used once `JWT_JWKS_URL` is set).
 */
const fs = require('node:fs');
const path = require('node:path');

/** Shortest secret the services accept (`z.string().min(32)`). */
const MIN_SECRET_LENGTH = 32;

/**
 * Variables per kind of service: `reads` (every authentication variable it reads; none may be an
 * empty string: an empty secret or URL fails its configuration check), `required` (secrets whose
 * development default is refused in production, so a missing one stops the service), `forbidden`
 * (secrets it never reads: holding them only widens who could forge a credential). The router's
 * `JWT_SECRET` is required unless `JWT_JWKS_URL` is set.
 */
const AUTH_KEYS = {
  router: {
    reads: ['ROUTER_CREDENTIAL_SECRET', 'JWT_SECRET', 'JWT_JWKS_URL', 'JWT_ISSUER', 'JWT_AUDIENCE'],
    required: ['ROUTER_CREDENTIAL_SECRET', 'JWT_SECRET'],
    forbidden: ['SERVICE_CREDENTIAL_SECRET'],
  },
  subgraph: {
    reads: ['ROUTER_CREDENTIAL_SECRET', 'SERVICE_CREDENTIAL_SECRET'],
    required: ['ROUTER_CREDENTIAL_SECRET', 'SERVICE_CREDENTIAL_SECRET'],
    forbidden: ['JWT_SECRET'],
  },
};

/** The variables of the router (`isRouter`) or of a subgraph (`AUTH_KEYS`); `JWT_SECRET` is not required when `hasJwks`. */
function authKeys(isRouter, hasJwks) {
  const keys = AUTH_KEYS[isRouter ? 'router' : 'subgraph'];
  return { ...keys, required: keys.required.filter((k) => !(k === 'JWT_SECRET' && hasJwks)) };
}

/**
 * The development-only defaults, variable -> value, read from the kernel sources
 * (`export const DEV_<VARIABLE> = '…'` in packages/kernel/src/auth/*.ts); empty when none is found.
 */
function devSecrets(root) {
  const dir = path.join(root, 'packages', 'kernel', 'src', 'auth');
  const found = {};
  if (!fs.existsSync(dir)) return found;
  for (const f of fs.readdirSync(dir).filter((n) => n.endsWith('.ts'))) {
    for (const m of fs.readFileSync(path.join(dir, f), 'utf8').matchAll(/export const DEV_([A-Z_]+_SECRET) = '([^']+)'/g)) found[m[1]] = m[2];
  }
  return found;
}

/**
 * Problems of the secret values of one service (`values`: variable -> string, only the keys whose
 * value is known): too short, or a development default when `production`.
 */
function secretValueProblems(values, dev, production) {
  const problems = [];
  for (const [key, value] of Object.entries(values)) {
    if (value.length < MIN_SECRET_LENGTH) problems.push(`${key} has ${value.length} characters: at least ${MIN_SECRET_LENGTH} (the service refuses it)`);
    else if (production && dev[key] === value) problems.push(`${key} is the development default, refused with NODE_ENV=production`);
  }
  return problems;
}

/**
 * Problems across services (`byService`: service -> { variable -> value }, values known only):
 * one key with different values (the router and the subgraphs must share the router key, the
 * contexts the service key), or two keys with the same value (the router could then sign service
 * credentials, or an end-user token key forge router credentials).
 */
function sharedSecretProblems(byService) {
  const problems = [];
  const valuesOf = {};
  for (const [service, values] of Object.entries(byService))
    for (const [key, value] of Object.entries(values)) (valuesOf[key] ??= new Map()).set(service, value);
  for (const [key, values] of Object.entries(valuesOf)) {
    const groups = new Map();
    for (const [service, value] of values) groups.set(value, [...(groups.get(value) ?? []), service]);
    if (groups.size > 1) problems.push(`${key} differs between services (${[...groups.values()].map((g) => g.join(', ')).join(' / ')}): every service holding it must have the same value`);
  }
  const keys = Object.keys(valuesOf);
  for (let i = 0; i < keys.length; i++)
    for (const other of keys.slice(i + 1)) {
      const shared = [...valuesOf[keys[i]].values()].some((v) => [...valuesOf[other].values()].includes(v));
      if (shared) problems.push(`${keys[i]} and ${other} have the same value: each key needs its own`);
    }
  return problems;
}

module.exports = { authKeys, devSecrets, secretValueProblems, sharedSecretProblems };
