/** What one `npm run bench` does; every field has a flag and an environment variable (defaults in brackets). */
export interface BenchOptions {
  /** Measured seconds per gateway, query and round [20] (`--seconds`, `BENCH_SECONDS`). */
  seconds: number;
  /** Warm-up seconds per gateway and query before the first round, not measured [5] (`--warmup`, `BENCH_WARMUP_SECONDS`). */
  warmupSeconds: number;
  /** Rounds; gateways are interleaved within each [3] (`--rounds`, `BENCH_ROUNDS`). */
  rounds: number;
  /** autocannon connections [50] (`--connections`, `BENCH_CONNECTIONS`). */
  connections: number;
  /** Tickets seeded [1000] (`--tickets`, `BENCH_TICKETS`). */
  tickets: number;
  /**
   * Bookings seeded, 20 per ticket on the newest tickets [20000] (`--bookings`, `BENCH_BOOKINGS`).
   * Each goes through booking's real `bookTicket` (sync payment, outbox): 25–90/s on 2 cores
   * depending on what else runs, so 20,000 take 4–15 minutes.
   */
  bookings: number;
  /** Customers the bookings belong to, evenly [bookings / 20] (`--customers`, `BENCH_CUSTOMERS`). */
  customers: number;
  /** Gateways to drive [ours,stock,hive] (`--gateways`, `BENCH_GATEWAYS`). */
  gateways: GatewayName[];
  /** Queries to run [a,b,c] (`--queries`, `BENCH_QUERIES`). */
  queries: QueryName[];
  /** Folder of the JSON result [bench/results] (`--out`, `BENCH_OUT`). */
  outDir: string;
  /** Rewrite the results section of docs/BENCHMARKS.md [true] (`--docs` / `--no-docs`, `BENCH_DOCS=0`). */
  writeDocs: boolean;
}

export const GATEWAYS = ['ours', 'stock', 'hive'] as const;
export type GatewayName = (typeof GATEWAYS)[number];
export const QUERY_NAMES = ['a', 'b', 'c'] as const;
export type QueryName = (typeof QUERY_NAMES)[number];

const NUMERIC = {
  seconds: ['--seconds', 'BENCH_SECONDS', 20],
  warmupSeconds: ['--warmup', 'BENCH_WARMUP_SECONDS', 5],
  rounds: ['--rounds', 'BENCH_ROUNDS', 3],
  connections: ['--connections', 'BENCH_CONNECTIONS', 50],
  tickets: ['--tickets', 'BENCH_TICKETS', 1000],
  bookings: ['--bookings', 'BENCH_BOOKINGS', 20000],
  customers: ['--customers', 'BENCH_CUSTOMERS', 0],
} as const;

/**
 * The options of `argv` (`--seconds 5`, `--seconds=5`, `--no-docs`) over `env` over the
 * defaults. Throws on an unknown flag, a non-positive number or an unknown gateway/query name.
 */
export function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv, repoRoot: string): BenchOptions {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--no-docs' || arg === '--docs') {
      flags.set('--docs', arg === '--docs' ? '1' : '0');
      continue;
    }
    const [name, inline] = arg.split('=', 2);
    const known = name === '--gateways' || name === '--queries' || name === '--out' || Object.values(NUMERIC).some(([flag]) => flag === name);
    if (!known) throw new Error(`unknown option ${arg} (flags: ${Object.values(NUMERIC).map(([flag]) => flag).join(' ')} --gateways --queries --out --no-docs)`);
    const value = inline ?? argv[++i];
    if (value === undefined) throw new Error(`${name} needs a value`);
    flags.set(name, value);
  }
  const numbers = Object.fromEntries(
    Object.entries(NUMERIC).map(([key, [flag, variable, fallback]]) => {
      const raw = flags.get(flag) ?? env[variable];
      const value = raw === undefined || raw === '' ? fallback : Number(raw);
      if (!Number.isFinite(value) || value < 0 || (value === 0 && raw !== undefined)) throw new Error(`${flag} (${variable}) must be a positive number, got "${raw}"`);
      return [key, value];
    }),
  ) as Record<keyof typeof NUMERIC, number>;
  const list = <T extends string>(flag: string, variable: string, allowed: readonly T[]): T[] => {
    const raw = flags.get(flag) ?? env[variable];
    if (!raw) return [...allowed];
    const names = raw.split(',').map((s) => s.trim());
    const bad = names.filter((n) => !allowed.includes(n as T));
    if (bad.length) throw new Error(`${flag} (${variable}): unknown ${bad.join(', ')}; choose from ${allowed.join(', ')}`);
    return names as T[];
  };
  const docs = flags.get('--docs') ?? env.BENCH_DOCS;
  return {
    ...numbers,
    customers: numbers.customers || Math.max(1, Math.ceil(numbers.bookings / 20)),
    gateways: list('--gateways', 'BENCH_GATEWAYS', GATEWAYS),
    queries: list('--queries', 'BENCH_QUERIES', QUERY_NAMES),
    outDir: flags.get('--out') ?? env.BENCH_OUT ?? `${repoRoot}/bench/results`,
    writeDocs: docs === undefined ? true : docs !== '0' && docs !== 'false',
  };
}
