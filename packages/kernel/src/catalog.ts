import { resolve } from 'node:path';
import { ConfigError } from './config';
import type { StoreKind } from './store/orm';

/** A service of the ticketing stack: its default port and, for subgraphs, its store per profile. */
export interface ServiceEntry {
  /** Name used in env variables (`BOOKING_PORT`, `BOOKING_DB_URL`) and in the supergraph. */
  name: string;
  /** Workspace folder, relative to the repository root. */
  workspace: string;
  defaultPort: number;
  /** Store kind in the polyglot profile (ARCHITECTURE.md "Stores"); absent for the router. */
  polyglotStore?: StoreKind;
}

/**
 * The services of the flagship (SPEC.md "1. Ticketing"), in start order. The router lists the
 * subgraphs from here; ports and stores can be overridden per service by environment.
 */
export const SUBGRAPHS: readonly ServiceEntry[] = [
  { name: 'ticket', workspace: 'subgraphs/ticketing/ticket', defaultPort: 4001, polyglotStore: 'postgresql' },
  { name: 'booking', workspace: 'subgraphs/ticketing/booking', defaultPort: 4002, polyglotStore: 'mysql' },
  { name: 'payment', workspace: 'subgraphs/ticketing/payment', defaultPort: 4003, polyglotStore: 'postgresql' },
  { name: 'notification', workspace: 'subgraphs/notification', defaultPort: 4004, polyglotStore: 'sqlite' },
  { name: 'mypage', workspace: 'subgraphs/ticketing/mypage', defaultPort: 4005, polyglotStore: 'sqlite' },
];

export const ROUTER: ServiceEntry = { name: 'router', workspace: 'router', defaultPort: 4000 };

/** The repository root (the kernel sits at `packages/kernel/{src,dist}/`). */
export const REPO_ROOT = resolve(__dirname, '..', '..', '..');

const envName = (service: string, suffix: string) => `${service.toUpperCase()}_${suffix}`;

/**
 * The port of `service`: `<SERVICE>_PORT`, else its default. Throws `ConfigError` naming the
 * variable when it is not a whole number in 0..65535 (0 = any free port).
 */
export function servicePort(service: ServiceEntry, env: NodeJS.ProcessEnv = process.env): number {
  const name = envName(service.name, 'PORT');
  const value = env[name];
  if (!value) return service.defaultPort;
  const port = /^\d{1,5}$/.test(value.trim()) ? Number(value) : Number.NaN;
  if (!(port >= 0 && port <= 65535)) throw new ConfigError(`Invalid configuration:\n  ${name}: expected a port number 0-65535, received "${value}"`);
  return port;
}

/** The GraphQL URL the router and sync clients use for a subgraph: `<SERVICE>_URL`, else localhost and its port. */
export function serviceUrl(service: ServiceEntry, env: NodeJS.ProcessEnv = process.env): string {
  return env[envName(service.name, 'URL')] ?? `http://127.0.0.1:${servicePort(service, env)}/graphql`;
}

/** Looks a subgraph up by name; throws for an unknown one. */
export function subgraph(name: string): ServiceEntry {
  const entry = SUBGRAPHS.find((s) => s.name === name);
  if (!entry) throw new Error(`unknown subgraph ${name}`);
  return entry;
}

/**
 * The store URL of a context:
 * 1. `<CONTEXT>_DB_URL` when set;
 * 2. `STORES=polyglot`: its polyglot kind, database named after the context on `PG_URL`
 *    (default `postgresql://postgres@127.0.0.1:5432`) or `MYSQL_URL` (default `mysql://root@127.0.0.1:3306`),
 *    or an SQLite file;
 * 3. otherwise (`STORES=sqlite`, the default): `<DATA_DIR>/<context>.sqlite`, DATA_DIR defaulting to `.data/`.
 *
 * Throws `ConfigError` naming `STORES` when it is neither `sqlite` nor `polyglot`.
 */
export function storeUrl(service: ServiceEntry, env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env[envName(service.name, 'DB_URL')];
  if (explicit) return explicit;
  const dataDir = env.DATA_DIR ?? resolve(REPO_ROOT, '.data');
  const sqlite = resolve(dataDir, `${service.name}.sqlite`);
  const profile = env.STORES ?? 'sqlite';
  if (profile === 'sqlite') return sqlite;
  if (profile !== 'polyglot') throw new ConfigError(`Invalid configuration:\n  STORES: expected sqlite or polyglot, received "${profile}"`);
  switch (service.polyglotStore) {
    case 'postgresql':
      return `${(env.PG_URL ?? 'postgresql://postgres@127.0.0.1:5432').replace(/\/$/, '')}/${service.name}`;
    case 'mysql':
      return `${(env.MYSQL_URL ?? 'mysql://root@127.0.0.1:3306').replace(/\/$/, '')}/${service.name}`;
    default:
      return sqlite;
  }
}
