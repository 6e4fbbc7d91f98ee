import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** One line of output: from a service's stdout/stderr, or a message of the launcher itself (`stream: 'stack'`). */
export interface LogLine {
  /** Catalog name of the service (`booking`), or `stack` for the launcher's own messages. */
  service: string;
  stream: 'stdout' | 'stderr' | 'stack';
  /** The line without its newline. */
  text: string;
}

/** Where the launcher sends every line (stdout for `npm start`; a buffer or a file in tests). */
export type LogSink = (line: LogLine) => void;

/** Longest line kept whole; a longer run without a newline is emitted in pieces of this size. */
const MAX_LINE_CHARS = 64 * 1024;

/**
 * Cuts a character stream into lines: `push` chunks as they arrive (a line may span chunks),
 * `flush` the unterminated rest when the stream ends. Accepts `\n` and `\r\n`.
 */
export class LineSplitter {
  private rest = '';

  constructor(private readonly emit: (line: string) => void) {}

  /** Adds a chunk; emits every line it completes. */
  push(chunk: string): void {
    const parts = (this.rest + chunk).split('\n');
    this.rest = parts.pop() ?? '';
    for (const part of parts) this.emit(part.endsWith('\r') ? part.slice(0, -1) : part);
    while (this.rest.length > MAX_LINE_CHARS) {
      this.emit(this.rest.slice(0, MAX_LINE_CHARS));
      this.rest = this.rest.slice(MAX_LINE_CHARS);
    }
  }

  /** Emits what is left without a final newline, if anything. */
  flush(): void {
    if (this.rest !== '') this.emit(this.rest);
    this.rest = '';
  }
}

/** ANSI SGR codes of the service name colours (the launcher's own lines are bold). */
const SERVICE_COLORS: Record<string, string> = {
  ticket: '36',
  booking: '32',
  payment: '33',
  notification: '35',
  mypage: '34',
  router: '96',
  redis: '31',
  stack: '1',
};
const FALLBACK_COLORS = ['36', '32', '33', '35', '34', '96', '92', '93'];

/** Wraps `text` in an ANSI colour when `code` is given. */
export function paint(text: string, code: string | undefined): string {
  return code ? `\u001b[${code}m${text}\u001b[0m` : text;
}

/** The colour of a service name: fixed for the catalog's services, stable per name otherwise. */
export function serviceColor(service: string): string {
  const known = SERVICE_COLORS[service];
  if (known) return known;
  const hash = [...service].reduce((sum, char) => (sum * 31 + char.charCodeAt(0)) >>> 0, 7);
  return FALLBACK_COLORS[hash % FALLBACK_COLORS.length];
}

/**
 * `booking      | text`: the service name padded to `width`, coloured when `color` is true.
 * Every output line of `npm start` carries this prefix.
 */
export function prefixLine(service: string, text: string, options: { width: number; color: boolean }): string {
  const name = service.padEnd(options.width);
  return `${paint(name, options.color ? serviceColor(service) : undefined)} | ${text}`;
}

const PINO_LEVELS: Record<number, { name: string; color?: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '90' },
  30: { name: 'INFO', color: '32' },
  40: { name: 'WARN', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '1;31' },
};
/** pino fields the compact form leaves out: the prefix already names the service. */
const PINO_HIDDEN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'service', 'name', 'err']);

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function formatValue(value: unknown): string {
  if (typeof value === 'string') return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  return JSON.stringify(value) ?? String(value);
}

/** `HH:MM:SS.mmm` of `date` in local time. */
export function clockTime(date: Date): string {
  const pad = (n: number, width = 2) => String(n).padStart(width, '0');
  return `${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}`;
}

/**
 * The compact, readable form of a pino JSON line: `12:03:04.567 INFO  message key=value …`,
 * followed by the indented stack of an `err` field. Returns undefined for anything that is not
 * a pino record (shown as-is by the caller).
 */
export function formatPinoLine(text: string, color: boolean): string[] | undefined {
  if (!text.startsWith('{')) return undefined;
  let record: unknown;
  try {
    record = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isRecord(record) || typeof record.level !== 'number' || typeof record.time !== 'number') return undefined;
  const level = PINO_LEVELS[record.level] ?? { name: String(record.level) };
  const fields = Object.entries(record)
    .filter(([key]) => !PINO_HIDDEN.has(key))
    .map(([key, value]) => `${key}=${formatValue(value)}`);
  const message = typeof record.msg === 'string' ? record.msg : '';
  const head = [clockTime(new Date(record.time)), paint(level.name.padEnd(5), color ? level.color : undefined), message, ...fields]
    .filter((part) => part !== '')
    .join(' ');
  const lines = [head];
  const err = record.err;
  if (isRecord(err)) {
    const stack = typeof err.stack === 'string' ? err.stack : `${String(err.type ?? 'Error')}: ${String(err.message ?? '')}`;
    lines.push(...stack.split('\n').map((line) => `    ${line.trimStart()}`));
  }
  return lines;
}

/**
 * True when a stream should get ANSI colours: `NO_COLOR` turns them off, `FORCE_COLOR` (not `0`)
 * on; otherwise only for a terminal.
 */
export function useColor(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined) return env.FORCE_COLOR !== '0';
  return stream.isTTY === true;
}

/** How `prefixedSink` renders lines. */
export interface PrefixedSinkOptions {
  /** ANSI colours (default: `useColor(out)`). */
  color?: boolean;
  /** Show pino JSON compactly (default true); false prints the JSON as-is. */
  pretty?: boolean;
  /** Width the service names are padded to (default 12, the longest catalog name). */
  width?: number;
}

/**
 * A sink writing `service | line` to `out` (stdout by default): what `npm start` shows.
 * The launcher's own lines (`stack`) are written in bold.
 */
export function prefixedSink(out: NodeJS.WritableStream & { isTTY?: boolean } = process.stdout, options: PrefixedSinkOptions = {}): LogSink {
  const color = options.color ?? useColor(out);
  const pretty = options.pretty ?? true;
  const width = options.width ?? 12;
  return (line) => {
    const texts = (pretty && line.stream !== 'stack' ? formatPinoLine(line.text, color) : undefined) ?? [line.text];
    const rendered = texts.map((text) =>
      prefixLine(line.service, line.stream === 'stack' ? paint(text, color ? '1' : undefined) : text, { width, color }),
    );
    out.write(`${rendered.join('\n')}\n`);
  };
}

/** A sink keeping every line in memory (tests): `lines` as received, `text()` joined. */
export interface MemorySink {
  sink: LogSink;
  lines: LogLine[];
  /** The lines of one service (or all), `service | text`, one per line. */
  text(service?: string): string;
}

/** A sink that keeps every line in memory, for tests that assert on output or print it on failure. */
export function memorySink(): MemorySink {
  const lines: LogLine[] = [];
  return {
    sink: (line) => void lines.push(line),
    lines,
    text: (service) =>
      lines
        .filter((line) => service === undefined || line.service === service)
        .map((line) => `${line.service} | ${line.text}`)
        .join('\n'),
  };
}

/** A sink appending `service | text` lines to a file; `close()` when done. */
export interface FileSink {
  sink: LogSink;
  path: string;
  close(): void;
}

/**
 * A sink appending every line, uncoloured and as emitted (pino JSON kept), to `path` (created
 * with its folder). Writes are synchronous so nothing is lost if the test process dies.
 */
export function fileSink(path: string): FileSink {
  mkdirSync(dirname(path), { recursive: true });
  let fd: number | undefined = openSync(path, 'a');
  return {
    path,
    sink: (line) => {
      if (fd !== undefined) writeSync(fd, `${line.service} | ${line.text}\n`);
    },
    close: () => {
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    },
  };
}
