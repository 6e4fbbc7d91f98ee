import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@supergraph/kernel';
import type { LoadResult } from './load';
import type { GatewayName, QueryName } from './options';

/** One measured run: which round, gateway and query, and what it measured. */
export interface Run extends LoadResult {
  round: number;
  gateway: GatewayName;
  query: QueryName;
  /** CPU time of the gateway process per request, ms (/proc). */
  gatewayCpuMsPerRequest: number;
  /** CPU time of all subgraph processes together per request, ms. */
  subgraphCpuMsPerRequest: number;
}

/** Per gateway and query: medians over the rounds. */
export interface Summary {
  gateway: GatewayName;
  query: QueryName;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
  errors: number;
}

/** Per query: medians over rounds of the per-round ratios of ours to another gateway. */
export interface Ratios {
  query: QueryName;
  rpsOursToStock?: number;
  rpsOursToHive?: number;
  p95OursToStock?: number;
  p95OursToHive?: number;
}

export const GATEWAY_LABEL: Record<GatewayName, string> = { ours: 'ours (router/)', stock: 'stock @apollo/gateway', hive: 'Hive Gateway' };

/** The machine the run was on: CPU model and count, memory, Node. */
export function machine(): { cpu: string; cores: number; memoryGiB: number; node: string; platform: string } {
  const list = cpus();
  return { cpu: list[0]?.model.trim() ?? 'unknown', cores: list.length, memoryGiB: Math.round(totalmem() / 2 ** 30), node: process.version, platform: `${process.platform} ${process.arch}` };
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** Medians per gateway and query (errors: the sum over rounds). */
export function summarize(runs: Run[]): Summary[] {
  const keys = [...new Set(runs.map((r) => `${r.query} ${r.gateway}`))];
  return keys.map((key) => {
    const [query, gateway] = key.split(' ') as [QueryName, GatewayName];
    const of = runs.filter((r) => r.query === query && r.gateway === gateway);
    return {
      gateway,
      query,
      rps: median(of.map((r) => r.rps)),
      p50: median(of.map((r) => r.p50)),
      p95: median(of.map((r) => r.p95)),
      p99: median(of.map((r) => r.p99)),
      errors: of.reduce((sum, r) => sum + r.errors, 0),
    };
  });
}

/** Medians of per-round ratios (noise between rounds cancels; gateway-calibration.md: ±15–25% run to run). */
export function ratios(runs: Run[]): Ratios[] {
  const queries = [...new Set(runs.map((r) => r.query))];
  return queries.map((query) => {
    const perRound = (other: GatewayName, field: 'rps' | 'p95') => {
      const values = [...new Set(runs.map((r) => r.round))].flatMap((round) => {
        const ours = runs.find((r) => r.round === round && r.query === query && r.gateway === 'ours');
        const them = runs.find((r) => r.round === round && r.query === query && r.gateway === other);
        return ours && them && them[field] > 0 ? [ours[field] / them[field]] : [];
      });
      return values.length ? median(values) : undefined;
    };
    return { query, rpsOursToStock: perRound('stock', 'rps'), rpsOursToHive: perRound('hive', 'rps'), p95OursToStock: perRound('stock', 'p95'), p95OursToHive: perRound('hive', 'p95') };
  });
}

const fixed = (value: number | undefined, digits = 1) => (value === undefined || !Number.isFinite(value) ? '–' : value.toFixed(digits));
const times = (value: number | undefined) => (value === undefined ? '–' : `${value.toFixed(2)}×`);

/** The results as Markdown tables (one row per query and gateway; one row of ratios per query). */
export function markdownTables(summaries: Summary[], ratioRows: Ratios[], titles: Record<QueryName, string>): string {
  const lines = ['| query | gateway | RPS | p50 ms | p95 ms | p99 ms | errors |', '|---|---|---:|---:|---:|---:|---:|'];
  for (const s of summaries) lines.push(`| ${titles[s.query]} | ${GATEWAY_LABEL[s.gateway]} | ${fixed(s.rps)} | ${fixed(s.p50)} | ${fixed(s.p95)} | ${fixed(s.p99)} | ${s.errors} |`);
  lines.push('', '| query | RPS ours/stock | RPS ours/Hive | p95 ours/stock | p95 ours/Hive |', '|---|---:|---:|---:|---:|');
  for (const r of ratioRows) lines.push(`| ${titles[r.query]} | ${times(r.rpsOursToStock)} | ${times(r.rpsOursToHive)} | ${times(r.p95OursToStock)} | ${times(r.p95OursToHive)} |`);
  return lines.join('\n');
}

/** One printed line per run, as the bench goes. */
export function runLine(run: Run): string {
  return `round ${run.round} query ${run.query} ${GATEWAY_LABEL[run.gateway].padEnd(22)} ${fixed(run.rps).padStart(8)} RPS  p50 ${fixed(run.p50).padStart(7)} ms  p95 ${fixed(run.p95).padStart(7)} ms  p99 ${fixed(run.p99).padStart(7)} ms  errors ${run.errors}${run.firstError ? `  first: ${run.firstError.slice(0, 160)}` : ''}`;
}

/**
 * Replaces the text between `<!-- bench:<name>:start -->` and `<!-- bench:<name>:end -->` in
 * docs/BENCHMARKS.md with `body` (appending the markers when they are missing), leaving the rest.
 */
export function writeDocsSection(name: 'results' | 'events', body: string): void {
  const path = join(REPO_ROOT, 'docs', 'BENCHMARKS.md');
  const start = `<!-- bench:${name}:start -->`;
  const end = `<!-- bench:${name}:end -->`;
  const current = existsSync(path) ? readFileSync(path, 'utf8') : '# Benchmarks\n';
  const from = current.indexOf(start);
  const to = current.indexOf(end);
  const section = `${start}\n${body}\n${end}`;
  writeFileSync(path, from >= 0 && to > from ? current.slice(0, from) + section + current.slice(to + end.length) : `${current.trimEnd()}\n\n${section}\n`);
}
