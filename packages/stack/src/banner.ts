import { isAbsolute, relative } from 'node:path';
import { REPO_ROOT, ServiceEntry, storeKind, storeUrl } from '@supergraph/kernel';

const KIND_NAMES = { postgresql: 'PostgreSQL', mysql: 'MySQL/MariaDB', sqlite: 'SQLite' } as const;

/** `url` with its password (if any) replaced by `***`. */
export function maskPassword(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, '//$1:***@');
}

/** A path fit for the screen: relative to the repository when it is inside it. */
export function displayPath(path: string): string {
  const inside = relative(REPO_ROOT, path);
  return inside === '' || inside.startsWith('..') || isAbsolute(inside) ? path : inside;
}

/** A store URL fit for the screen: password hidden, SQLite files under the repository shown relative to it. */
export function displayStore(url: string): string {
  return storeKind(url) === 'sqlite' ? displayPath(url) : maskPassword(url);
}

/** The host people type into a browser for `SERVICE_HOST` (`localhost` for the loopback and wildcard defaults). */
export function displayHost(env: Readonly<Record<string, string | undefined>>): string {
  const host = env.SERVICE_HOST;
  if (!host || host === '127.0.0.1' || host === '0.0.0.0' || host === '::' || host === '::1') return 'localhost';
  return host;
}

/**
 * What the store profile means for the started subgraphs, e.g. `STORES=polyglot: ticket+payment
 * PostgreSQL, booking MySQL/MariaDB, notification+mypage SQLite` (ARCHITECTURE.md "Stores"),
 * then one line per subgraph with its store.
 */
export function storeLines(subgraphs: readonly ServiceEntry[], env: Readonly<Record<string, string | undefined>>): string[] {
  const urls = subgraphs.map((service) => ({ name: service.name, url: storeUrl(service, env as NodeJS.ProcessEnv) }));
  const byKind = new Map<string, string[]>();
  for (const { name, url } of urls) {
    const kind = KIND_NAMES[storeKind(url)];
    byKind.set(kind, [...(byKind.get(kind) ?? []), name]);
  }
  const profile = `STORES=${env.STORES ?? 'sqlite'}: ${[...byKind].map(([kind, names]) => `${names.join('+')} ${kind}`).join(', ')}`;
  const width = Math.max(0, ...urls.map(({ name }) => name.length));
  return [profile, ...urls.map(({ name, url }) => `  ${name.padEnd(width)}  ${displayStore(url)}`)];
}

/** What the stack is running on, for `readyBanner`. */
export interface BannerFacts {
  /** The started services, router included if it was started. */
  services: readonly ServiceEntry[];
  ports: Readonly<Record<string, number>>;
  env: Readonly<Record<string, string | undefined>>;
  redisUrl: string;
  /** The private redis-server's folder, when the stack started one. */
  privateRedisDir?: string;
  elapsedMs: number;
}

/**
 * The lines printed once everything is ready: router URL, Apollo Sandbox and how to get a token (if the router runs),
 * the subgraphs' URLs, the store profile with each context's store, and Redis.
 */
export function readyBanner(facts: BannerFacts): string[] {
  const host = displayHost(facts.env);
  const base = (name: string) => `http://${host}:${facts.ports[name]}`;
  const subgraphs = facts.services.filter((service) => service.name !== 'router');
  const count = facts.services.length;
  const lines = [`ready in ${(facts.elapsedMs / 1000).toFixed(1)} s (${count} service${count === 1 ? '' : 's'})`];
  if (facts.services.some((service) => service.name === 'router')) {
    lines.push(
      `  GraphQL (router)  ${base('router')}/graphql`,
      `  Apollo Sandbox    ${base('router')}/`,
      '  Bearer token      npm run token -- --sub alice --role customer   (header "Authorization: Bearer <token>"; only ticket search is public)',
    );
  }
  if (subgraphs.length > 0) {
    lines.push(`  Subgraphs         ${subgraphs.map((service) => `${service.name} ${base(service.name)}/graphql`).join(', ')}`);
    const [profile, ...stores] = storeLines(subgraphs, facts.env);
    lines.push(`  Stores            ${profile}`, ...stores.map((line) => `                  ${line}`));
  }
  const redisUrl = maskPassword(facts.redisUrl);
  const redis = facts.privateRedisDir ? `${redisUrl} (private redis-server, data in ${displayPath(facts.privateRedisDir)})` : redisUrl;
  lines.push(`  Redis             ${redis}`, 'Try the seed-001 story: npm run demo    Stop: Ctrl-C');
  return lines;
}
