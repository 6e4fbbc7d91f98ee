import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { REPO_ROOT, signUserToken } from '@supergraph/kernel';
import { memorySink, startStack, StackHandle } from '@supergraph/stack';
import { ensureHiveInstalled, gatewayVersions, GatewayProcess, startGateway } from './gateways';
import { runLoad } from './load';
import type { BenchOptions, GatewayName, QueryName } from './options';
import { PAGE_CUSTOMER, QUERIES, Sender } from './queries';
import { GATEWAY_LABEL, machine, markdownTables, median, ratios, Ratios, Run, runLine, summarize, Summary, writeDocsSection } from './report';
import { seed, Seeded } from './seed';

/** Everything one bench run produced (also the JSON written under bench/results/). */
export interface BenchReport {
  startedAt: string;
  machine: ReturnType<typeof machine>;
  versions: Record<string, string>;
  options: Omit<BenchOptions, 'outDir' | 'writeDocs'>;
  seed: Omit<Seeded, 'ticketIds'> & { tickets: number };
  /** Response size per query (bytes, from the check before the load), identical for every gateway. */
  responseBytes: Partial<Record<QueryName, number>>;
  runs: Run[];
  summary: Summary[];
  ratios: Ratios[];
  /** Where the JSON was written. */
  file?: string;
}

/**
 * `npm run bench`: starts the stack (every subgraph on its default embedded store, Redis, our
 * router with rate limiting off) on free ports in a temporary data folder, seeds it (`seed`),
 * starts stock `@apollo/gateway` and Hive Gateway on the same supergraph (subgraph URLs of this
 * stack), checks that every gateway answers every query with the same data, warms each
 * gateway and query up, then runs `rounds` rounds of autocannon, gateways interleaved within a
 * query and their order rotated each round. Prints progress and every run; returns the report
 * and writes it to `outDir/bench-<time>.json` and, with `writeDocs`, the results section of
 * docs/BENCHMARKS.md. Stops everything it started, also on failure.
 */
export async function runBench(options: BenchOptions, log: (line: string) => void = console.log): Promise<BenchReport> {
  const startedAt = new Date().toISOString();
  if (options.gateways.includes('hive')) ensureHiveInstalled(log);
  const dataDir = mkdtempSync(join(tmpdir(), 'bench-'));
  const logs = memorySink();
  const gateways: GatewayProcess[] = [];
  let stack: StackHandle | undefined;
  try {
    log(`starting the stack (subgraphs on their embedded stores, Redis, our router) in ${dataDir}`);
    stack = await startStack({
      env: { DATA_DIR: dataDir, EVENTS_NAMESPACE: `bench-${process.pid}:`, LOG_LEVEL: 'warn', RATE_LIMIT_PER_SUBJECT: '0', RATE_LIMIT_PER_IP: '0' },
      freePorts: true,
      restart: false,
      log: logs.sink,
    });
    const running = stack;
    const supergraph = join(dataDir, 'supergraph.graphql');
    writeFileSync(
      supergraph,
      readFileSync(join(REPO_ROOT, 'schema', 'supergraph.graphql'), 'utf8').replace(/@join__graph\(name: "(\w+)", url: "[^"]*"\)/g, (_, name: string) => `@join__graph(name: "${name}", url: "${running.url(name)}")`),
    );

    log(`seeding ${options.tickets} tickets, ${options.bookings} bookings for ${options.customers} customers through the subgraphs' APIs`);
    const seeded = await seed({
      tickets: options.tickets,
      bookings: options.bookings,
      customers: options.customers,
      url: (name) => running.url(name),
      metricsUrl: running.metricsUrl,
      routerSecret: running.env.ROUTER_CREDENTIAL_SECRET,
      log,
    });
    log(`seeded in ${(seeded.seconds.tickets + seeded.seconds.bookings + seeded.seconds.views).toFixed(0)} s (tickets ${seeded.seconds.tickets.toFixed(0)} s, bookings ${seeded.seconds.bookings.toFixed(0)} s, views ${seeded.seconds.views.toFixed(0)} s)`);

    const urls: Partial<Record<GatewayName, string>> = {};
    const pids: Partial<Record<GatewayName, number>> = {};
    if (options.gateways.includes('ours')) {
      urls.ours = running.routerUrl;
      pids.ours = running.pid('router');
    }
    for (const name of ['stock', 'hive'] as const) {
      if (!options.gateways.includes(name)) continue;
      log(`starting ${GATEWAY_LABEL[name]}`);
      const gateway = await startGateway(name, supergraph, running.env);
      gateways.push(gateway);
      urls[name] = gateway.url;
      pids[name] = gateway.pid;
    }

    const headers: Record<Sender, Record<string, string>> = {
      admin: { authorization: `Bearer ${await signUserToken({ subject: 'bench-admin', role: 'admin', secret: running.env.JWT_SECRET || undefined, expiresInS: 24 * 3600 })}` },
      customer: { authorization: `Bearer ${await signUserToken({ subject: PAGE_CUSTOMER, role: 'customer', secret: running.env.JWT_SECRET || undefined, expiresInS: 24 * 3600 })}` },
      anonymous: {},
    };
    const bodyOf = (query: QueryName) => JSON.stringify({ query: QUERIES[query].query, variables: QUERIES[query].variables });
    const responseBytes = await checkAnswers(options, urls, headers, bodyOf, log);

    const subgraphPids = running.services.filter((s) => s !== 'router').map((s) => running.pid(s)!);
    const measure = async (round: number, gateway: GatewayName, query: QueryName, seconds: number): Promise<Run> => {
      const gatewayCpu = cpuMs([pids[gateway]!]);
      const subgraphCpu = cpuMs(subgraphPids);
      const result = await runLoad({ url: urls[gateway]!, body: bodyOf(query), headers: headers[QUERIES[query].sender], connections: options.connections, seconds });
      const perRequest = (before: number, after: number) => (result.requests ? (after - before) / result.requests : Number.NaN);
      return { round, gateway, query, ...result, gatewayCpuMsPerRequest: perRequest(gatewayCpu, cpuMs([pids[gateway]!])), subgraphCpuMsPerRequest: perRequest(subgraphCpu, cpuMs(subgraphPids)) };
    };

    log(`warming up: ${options.warmupSeconds} s per gateway and query`);
    for (const query of options.queries) for (const gateway of options.gateways) await measure(0, gateway, query, options.warmupSeconds);

    const runs: Run[] = [];
    for (let round = 1; round <= options.rounds; round += 1) {
      const order = options.gateways.map((_, i) => options.gateways[(i + round - 1) % options.gateways.length]);
      for (const query of options.queries) {
        for (const gateway of order) {
          const run = await measure(round, gateway, query, options.seconds);
          runs.push(run);
          log(runLine(run));
        }
      }
    }

    const report: BenchReport = {
      startedAt,
      machine: machine(),
      versions: gatewayVersions(),
      options: { seconds: options.seconds, warmupSeconds: options.warmupSeconds, rounds: options.rounds, connections: options.connections, tickets: options.tickets, bookings: options.bookings, customers: options.customers, gateways: options.gateways, queries: options.queries },
      seed: { tickets: seeded.ticketIds.length, bookings: seeded.bookings, seconds: seeded.seconds },
      responseBytes,
      runs,
      summary: summarize(runs),
      ratios: ratios(runs),
    };
    const titles = Object.fromEntries(Object.values(QUERIES).map((q) => [q.name, q.title])) as Record<QueryName, string>;
    const tables = markdownTables(report.summary, report.ratios, titles);
    log(`\n${tables}\n`);
    mkdirSync(options.outDir, { recursive: true });
    report.file = join(options.outDir, `bench-${startedAt.replace(/[:.]/g, '-')}.json`);
    writeFileSync(report.file, `${JSON.stringify(report, null, 2)}\n`);
    log(`results: ${report.file}`);
    if (options.writeDocs) {
      writeDocs(report, tables);
      log('docs/BENCHMARKS.md: results section rewritten');
    }
    return report;
  } finally {
    for (const gateway of gateways) await gateway.stop();
    await stack?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Sends every query once to every gateway: each must answer 200 with data and no errors, and
 * every gateway the same data (JSON-equal) as the first; throws naming the difference. Returns the
 * response size per query.
 */
async function checkAnswers(
  options: BenchOptions,
  urls: Partial<Record<GatewayName, string>>,
  headers: Record<Sender, Record<string, string>>,
  bodyOf: (query: QueryName) => string,
  log: (line: string) => void,
): Promise<Partial<Record<QueryName, number>>> {
  const sizes: Partial<Record<QueryName, number>> = {};
  for (const query of options.queries) {
    let reference: { gateway: GatewayName; data: unknown } | undefined;
    for (const gateway of options.gateways) {
      const response = await fetch(urls[gateway]!, { method: 'POST', headers: { 'content-type': 'application/json', ...headers[QUERIES[query].sender] }, body: bodyOf(query) });
      const text = await response.text();
      const body = JSON.parse(text) as { data?: unknown; errors?: unknown[] };
      if (response.status !== 200 || body.errors || !body.data) throw new Error(`${GATEWAY_LABEL[gateway]} answered query ${query} with ${response.status}: ${text.slice(0, 500)}`);
      if (reference && !isDeepStrictEqual(reference.data, body.data)) throw new Error(`query ${query}: ${GATEWAY_LABEL[gateway]} answered other data than ${GATEWAY_LABEL[reference.gateway]}`);
      reference ??= { gateway, data: body.data };
      sizes[query] = Buffer.byteLength(JSON.stringify({ data: body.data }));
    }
    log(`query ${query}: every gateway answers the same data (${sizes[query]} bytes)`);
  }
  return sizes;
}

/** CPU time (user + system) used so far by processes `pids`, ms (Linux /proc; NaN elsewhere). */
function cpuMs(pids: number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const path = `/proc/${pid}/stat`;
    if (!existsSync(path)) return Number.NaN;
    const fields = readFileSync(path, 'utf8').split(') ')[1].split(' ');
    ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

/** Rewrites the results section of docs/BENCHMARKS.md with this run. */
function writeDocs(report: BenchReport, tables: string): void {
  const m = report.machine;
  const section = [
    `Run of ${report.startedAt.slice(0, 16).replace('T', ' ')} UTC: ${m.cores} × ${m.cpu}, ${m.memoryGiB} GiB, ${m.platform}, Node ${m.node}; ` +
      Object.entries(report.versions)
        .map(([name, version]) => `${name} ${version}`)
        .join(', ') +
      '.',
    '',
    `Seed: ${report.seed.tickets} tickets, ${report.seed.bookings} bookings (${report.options.customers} customers). Load: autocannon, ${report.options.connections} connections, ` +
      `${report.options.seconds} s per run after ${report.options.warmupSeconds} s of warm-up, ${report.options.rounds} rounds, gateways interleaved. ` +
      `Response sizes: ${Object.entries(report.responseBytes)
        .map(([q, bytes]) => `(${q}) ${(bytes! / 1024).toFixed(1)} KB`)
        .join(', ')}. Figures are medians over the rounds; ratios are medians of per-round ratios.`,
    '',
    tables,
    '',
    'CPU per request (median over rounds, ms; gateway process / all subgraph processes together):',
    '',
    '| query | gateway | gateway CPU ms/req | subgraphs CPU ms/req |',
    '|---|---|---:|---:|',
    ...report.summary.map((s) => {
      const of = report.runs.filter((r) => r.query === s.query && r.gateway === s.gateway);
      return `| (${s.query}) | ${GATEWAY_LABEL[s.gateway]} | ${median(of.map((r) => r.gatewayCpuMsPerRequest)).toFixed(2)} | ${median(of.map((r) => r.subgraphCpuMsPerRequest)).toFixed(2)} |`;
    }),
    '',
    `Raw figures: \`bench/results/${report.file ? report.file.split('/').pop() : ''}\`.`,
  ].join('\n');
  writeDocsSection('results', section);
}
