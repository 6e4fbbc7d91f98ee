import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { clockTime, fileSink, formatPinoLine, LineSplitter, memorySink, prefixedSink, prefixLine, serviceColor, useColor } from './log-lines';

describe('LineSplitter', () => {
  it('emits whole lines across chunk boundaries and strips \\r', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('first li');
    splitter.push('ne\r\nsecond\n\nthi');
    expect(lines).toEqual(['first line', 'second', '']);
    splitter.push('rd');
    splitter.flush();
    splitter.flush();
    expect(lines).toEqual(['first line', 'second', '', 'third']);
  });

  it('cuts a run without newline into 64 KiB pieces instead of buffering it forever', () => {
    const lines: string[] = [];
    const splitter = new LineSplitter((line) => lines.push(line));
    splitter.push('x'.repeat(64 * 1024 * 2 + 10));
    expect(lines.map((line) => line.length)).toEqual([65_536, 65_536]);
    splitter.flush();
    expect(lines[2]).toBe('x'.repeat(10));
  });
});

describe('prefixLine', () => {
  it('pads the service name to a common width', () => {
    expect(prefixLine('booking', 'hello', { width: 12, color: false })).toBe('booking      | hello');
    expect(prefixLine('notification', 'hi', { width: 12, color: false })).toBe('notification | hi');
  });

  it('colours the name (and only the name) when asked', () => {
    expect(prefixLine('ticket', 'x', { width: 8, color: true })).toBe('\u001b[36mticket  \u001b[0m | x');
  });

  it('gives known services fixed colours and others a stable one', () => {
    expect(serviceColor('payment')).toBe('33');
    expect(serviceColor('billing')).toBe(serviceColor('billing'));
  });
});

describe('formatPinoLine', () => {
  const time = Date.UTC(2025, 0, 2, 3, 4, 5, 67);

  it('shows time, level, message and the extra fields, without pid/hostname/service', () => {
    const line = JSON.stringify({ level: 30, time, pid: 1, hostname: 'h', service: 'ticket', name: 'ticket', url: 'http://x/graphql', count: 2, msg: 'ticket subgraph ready' });
    expect(formatPinoLine(line, false)).toEqual([`${clockTime(new Date(time))} INFO  ticket subgraph ready url=http://x/graphql count=2`]);
  });

  it('quotes strings with spaces and writes objects as JSON', () => {
    const [head] = formatPinoLine(JSON.stringify({ level: 40, time, msg: 'slow', op: 'book ticket', ctx: { a: 1 } }), false)!;
    expect(head).toMatch(/ WARN  slow op="book ticket" ctx=\{"a":1\}$/);
  });

  it('prints the stack of err indented below the line', () => {
    const lines = formatPinoLine(JSON.stringify({ level: 50, time, msg: 'relay failed', err: { type: 'Error', message: 'boom', stack: 'Error: boom\n    at f (x.js:1:1)' } }), false)!;
    expect(lines[0]).toMatch(/ ERROR relay failed$/);
    expect(lines.slice(1)).toEqual(['    Error: boom', '    at f (x.js:1:1)']);
  });

  it('colours the level when asked', () => {
    expect(formatPinoLine(JSON.stringify({ level: 50, time, msg: 'x' }), true)![0]).toContain('\u001b[31mERROR\u001b[0m');
  });

  it.each(['plain text', '{not json', '{"msg":"no level"}', '[1,2]', '{"level":"info","time":1}'])('leaves %s to be shown as it is', (text) => {
    expect(formatPinoLine(text, false)).toBeUndefined();
  });
});

describe('useColor', () => {
  it('follows NO_COLOR, then FORCE_COLOR, then whether the stream is a terminal', () => {
    expect(useColor({ isTTY: true }, {})).toBe(true);
    expect(useColor({ isTTY: false }, {})).toBe(false);
    expect(useColor({ isTTY: true }, { NO_COLOR: '1' })).toBe(false);
    expect(useColor({ isTTY: false }, { FORCE_COLOR: '1' })).toBe(true);
    expect(useColor({ isTTY: true }, { FORCE_COLOR: '0' })).toBe(false);
  });
});

describe('sinks', () => {
  const read = (stream: PassThrough) => String(stream.read() ?? '');

  it('prefixedSink writes compact pino lines, raw JSON when pretty is off, and the stack lines as they are', () => {
    const out = new PassThrough();
    const pretty = prefixedSink(out, { color: false, width: 8 });
    pretty({ service: 'booking', stream: 'stdout', text: JSON.stringify({ level: 30, time: 0, msg: 'up' }) });
    pretty({ service: 'stack', stream: 'stack', text: '{"level":30,"time":0,"msg":"literal"}' });
    expect(read(out)).toBe(`booking  | ${clockTime(new Date(0))} INFO  up\nstack    | {"level":30,"time":0,"msg":"literal"}\n`);
    prefixedSink(out, { color: false, pretty: false, width: 8 })({ service: 'booking', stream: 'stdout', text: '{"level":30,"time":0,"msg":"up"}' });
    expect(read(out)).toBe('booking  | {"level":30,"time":0,"msg":"up"}\n');
  });

  it('memorySink keeps the lines and renders one service or all', () => {
    const memory = memorySink();
    memory.sink({ service: 'ticket', stream: 'stdout', text: 'a' });
    memory.sink({ service: 'router', stream: 'stderr', text: 'b' });
    expect(memory.lines).toHaveLength(2);
    expect(memory.text()).toBe('ticket | a\nrouter | b');
    expect(memory.text('router')).toBe('router | b');
  });

  it('fileSink appends lines to a file and stops writing once closed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'stack-sink-'));
    try {
      const file = fileSink(join(dir, 'logs', 'stack.log'));
      file.sink({ service: 'ticket', stream: 'stdout', text: 'one' });
      file.sink({ service: 'ticket', stream: 'stack', text: 'two' });
      file.close();
      file.sink({ service: 'ticket', stream: 'stdout', text: 'after close' });
      expect(readFileSync(file.path, 'utf8')).toBe('ticket | one\nticket | two\n');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
