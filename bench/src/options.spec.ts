import { parseOptions } from './options';

describe('parseOptions', () => {
  it('takes the defaults, with customers following bookings (20 each)', () => {
    expect(parseOptions([], {}, '/repo')).toEqual({
      seconds: 20,
      warmupSeconds: 5,
      rounds: 3,
      connections: 50,
      tickets: 1000,
      bookings: 20000,
      customers: 1000,
      gateways: ['ours', 'stock', 'hive'],
      queries: ['a', 'b', 'c'],
      outDir: '/repo/bench/results',
      writeDocs: true,
    });
  });

  it('prefers flags (both spellings) over the environment', () => {
    const options = parseOptions(['--seconds', '3', '--rounds=1', '--gateways', 'ours,hive', '--no-docs'], { BENCH_SECONDS: '9', BENCH_WARMUP_SECONDS: '2', BENCH_QUERIES: 'a' }, '/repo');
    expect(options).toMatchObject({ seconds: 3, rounds: 1, warmupSeconds: 2, gateways: ['ours', 'hive'], queries: ['a'], writeDocs: false });
  });

  it('refuses unknown flags, bad numbers and unknown names', () => {
    expect(() => parseOptions(['--fast'], {}, '/r')).toThrow('unknown option --fast');
    expect(() => parseOptions(['--seconds', '0'], {}, '/r')).toThrow('--seconds (BENCH_SECONDS) must be a positive number');
    expect(() => parseOptions([], { BENCH_GATEWAYS: 'ours,router' }, '/r')).toThrow('unknown router');
  });
});
