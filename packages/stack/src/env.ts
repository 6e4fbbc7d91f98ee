import { ROUTER, SUBGRAPHS, ServiceEntry } from '@supergraph/kernel';
import { StackError } from './errors';

/** Every service the launcher can start, in catalog order: the subgraphs of the catalog, then the router. */
export const STACK_SERVICES: readonly ServiceEntry[] = [...SUBGRAPHS, ROUTER];

/** Environment overrides; `undefined` removes an inherited variable. */
export type EnvOverrides = Readonly<Record<string, string | undefined>>;

/**
 * The catalog entries for `names` in catalog order (all services when `names` is undefined).
 * Throws `StackError` naming an unknown service.
 */
export function selectServices(names?: readonly string[]): ServiceEntry[] {
  if (names === undefined) return [...STACK_SERVICES];
  const unknown = names.filter((name) => !STACK_SERVICES.some((service) => service.name === name));
  if (unknown.length > 0) {
    throw new StackError(`unknown service ${unknown.join(', ')} (known: ${STACK_SERVICES.map((s) => s.name).join(', ')})`);
  }
  return STACK_SERVICES.filter((service) => names.includes(service.name));
}

/** The variable holding a service's port: `BOOKING_PORT`. */
export function portVariable(service: string): string {
  return `${service.toUpperCase()}_PORT`;
}

/** `base` with `overrides` applied (an `undefined` override removes the variable). */
export function applyOverrides(base: NodeJS.ProcessEnv, overrides: EnvOverrides = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(base)) if (value !== undefined) env[key] = value;
  for (const [key, value] of Object.entries(overrides)) {
    if (value === undefined) delete env[key];
    else env[key] = value;
  }
  return env;
}

/**
 * The port of every service of the catalog (started or not, so the router and sync clients find
 * them): `<NAME>_PORT` when set (validated), else a port from `allocate` when given (tests: free
 * ports; a port handed out twice is asked again), else the catalog default. Throws `StackError`
 * naming a malformed variable.
 */
export async function resolvePorts(env: Readonly<Record<string, string>>, allocate?: () => Promise<number>): Promise<Record<string, number>> {
  const ports: Record<string, number> = {};
  const taken = () => new Set(Object.values(ports));
  for (const service of STACK_SERVICES) {
    const variable = portVariable(service.name);
    const value = env[variable];
    if (value !== undefined && value !== '') {
      const port = Number(value);
      if (!Number.isInteger(port) || port < 1 || port > 65_535) throw new StackError(`${variable} must be a port number (1-65535), got "${value}"`);
      ports[service.name] = port;
    } else {
      ports[service.name] = allocate ? await distinct(allocate, taken()) : service.defaultPort;
    }
  }
  return ports;
}

/**
 * The environment every service process gets: the inherited environment with the overrides,
 * plus the resolved `REDIS_URL` and a `<NAME>_PORT` for every service, so each process (and the
 * router's subgraph list) agrees on where everything is.
 */
export function serviceEnv(env: Readonly<Record<string, string>>, settings: { redisUrl: string; ports: Readonly<Record<string, number>> }): Record<string, string> {
  const result: Record<string, string> = { ...env, REDIS_URL: settings.redisUrl };
  for (const [name, port] of Object.entries(settings.ports)) result[portVariable(name)] = String(port);
  return result;
}

/**
 * The address to reach services on from this machine: `SERVICE_HOST` (default 127.0.0.1), with
 * the wildcard addresses replaced by loopback; IPv6 in brackets, ready for a URL.
 */
export function connectHost(env: Readonly<Record<string, string | undefined>>): string {
  const host = env.SERVICE_HOST ?? '127.0.0.1';
  if (host === '' || host === '0.0.0.0') return '127.0.0.1';
  if (host === '::' || host === '[::]') return '[::1]';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/** The address a service listens on (`SERVICE_HOST`, default 127.0.0.1), for checking a port is free. */
export function listenHost(env: Readonly<Record<string, string | undefined>>): string {
  return env.SERVICE_HOST || '127.0.0.1';
}

async function distinct(allocate: () => Promise<number>, taken: ReadonlySet<number>): Promise<number> {
  for (let attempt = 0; attempt < 10; attempt += 1) {
    const port = await allocate();
    if (!taken.has(port)) return port;
  }
  throw new StackError('could not find enough free ports');
}
