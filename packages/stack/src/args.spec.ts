import { parseCliArgs, UsageError } from './args';

const KNOWN = ['ticket', 'booking', 'payment', 'notification', 'mypage', 'router'];

describe('parseCliArgs', () => {
  it('reads a bare start as every service with compact logs', () => {
    expect(parseCliArgs(['start'], KNOWN)).toEqual({ command: 'start', jsonLogs: false });
  });

  it('reads --only as a de-duplicated list, comma-separated or repeated', () => {
    expect(parseCliArgs(['start', '--only', 'ticket, booking'], KNOWN).only).toEqual(['ticket', 'booking']);
    expect(parseCliArgs(['start', '--only=ticket', '--only', 'router,ticket'], KNOWN).only).toEqual(['ticket', 'router']);
  });

  it('reads --json-logs and --ready-timeout in seconds', () => {
    expect(parseCliArgs(['start', '--json-logs', '--ready-timeout', '2.5'], KNOWN)).toEqual({ command: 'start', jsonLogs: true, readyTimeoutMs: 2500 });
  });

  it('answers help for -h / --help whatever else is given', () => {
    expect(parseCliArgs(['-h'], KNOWN).command).toBe('help');
    expect(parseCliArgs(['start', '--help'], KNOWN).command).toBe('help');
  });

  it.each([
    [[], /missing command/],
    [['stop'], /unknown command: stop/],
    [['start', 'extra'], /unexpected argument: extra/],
    [['start', '--only', 'ticket,billing'], /unknown service billing in --only \(known: ticket, booking/],
    [['start', '--only', ','], /at least one service/],
    [['start', '--ready-timeout', 'soon'], /--ready-timeout must be a positive number/],
    [['start', '--ready-timeout', '0'], /--ready-timeout must be a positive number/],
    [['start', '--verbose'], /verbose/],
  ])('rejects %j with a UsageError saying what is wrong', (argv, message) => {
    expect(() => parseCliArgs(argv, KNOWN)).toThrow(UsageError);
    expect(() => parseCliArgs(argv, KNOWN)).toThrow(message);
  });
});
