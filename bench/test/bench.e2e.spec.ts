import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '@supergraph/kernel';
import { GATEWAYS, parseOptions, QUERY_NAMES } from '../src/options';
import { BenchReport, runBench } from '../src/run';

jest.setTimeout(150_000);

/**
 * The bench harness, short: the real stack on a small seed, all three gateways, every query for
 * 2 s after 1 s of warm-up, one round. Asserts the harness works (every gateway answered every
 * query with the same data and no errors, sane figures, the JSON written), not speed.
 */
describe('npm run bench (smoke)', () => {
  const outDir = mkdtempSync(join(tmpdir(), 'bench-smoke-'));
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  it('drives ours, stock @apollo/gateway and Hive Gateway with every query without errors and reports sane figures', async () => {
    const lines: string[] = [];
    const options = parseOptions(['--tickets', '20', '--bookings', '40', '--seconds', '2', '--warmup', '1', '--rounds', '1', '--connections', '10', '--no-docs', '--out', outDir], {}, REPO_ROOT);
    const report: BenchReport = await runBench(options, (line) => lines.push(line));

    expect(report.runs).toHaveLength(GATEWAYS.length * QUERY_NAMES.length);
    for (const run of report.runs) {
      expect({ gateway: run.gateway, query: run.query, errors: run.errors, firstError: run.firstError }).toEqual({ gateway: run.gateway, query: run.query, errors: 0, firstError: undefined });
      expect(run.requests).toBeGreaterThan(0);
      expect(run.p50).toBeLessThanOrEqual(run.p95);
      expect(run.p95).toBeLessThanOrEqual(run.p99);
    }
    expect(report.summary).toHaveLength(9);
    for (const ratio of report.ratios) expect(ratio.rpsOursToStock).toBeGreaterThan(0);
    expect(report.responseBytes.a).toBeGreaterThan(1000);
    expect(lines.some((line) => line.includes('every gateway answers the same data'))).toBe(true);
    expect(lines.join('\n')).toContain('| query | gateway | RPS | p50 ms | p95 ms | p99 ms | errors |');
    expect(existsSync(report.file!)).toBe(true);
    expect(JSON.parse(readFileSync(report.file!, 'utf8')).runs).toHaveLength(9);
  });
});
