import { median, ratios, Run, summarize } from './report';

const run = (round: number, gateway: Run['gateway'], rps: number, p95: number): Run => ({
  round,
  gateway,
  query: 'a',
  requests: rps * 10,
  rps,
  p50: p95 / 2,
  p95,
  p99: p95 * 2,
  errors: 0,
  bytesPerResponse: 100,
  gatewayCpuMsPerRequest: 1,
  subgraphCpuMsPerRequest: 1,
});

describe('bench report', () => {
  it('median of odd and even counts, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
  });

  it('summarizes medians per gateway and ratios as medians of per-round ratios', () => {
    const runs = [run(1, 'ours', 300, 100), run(1, 'stock', 100, 400), run(2, 'ours', 200, 100), run(2, 'stock', 50, 200), run(3, 'ours', 90, 100), run(3, 'stock', 90, 100)];
    expect(summarize(runs).find((s) => s.gateway === 'ours')).toMatchObject({ rps: 200, p95: 100 });
    const [a] = ratios(runs);
    expect(a.rpsOursToStock).toBe(3); // per round 3, 4, 1
    expect(a.p95OursToStock).toBe(0.5); // per round 0.25, 0.5, 1
    expect(a.rpsOursToHive).toBeUndefined();
  });
});
