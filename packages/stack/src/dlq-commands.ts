import { EventEnvelope, parseEnvelope } from '@supergraph/kernel';
import { parseStrict, UsageError } from './args';

/**
 * The pure half of `npm run dlq` (see `dlq.ts` for the Redis half): argument parsing, the help
 * text, decoding a dead-letter entry as `StreamConsumer.deadLetter` writes it, stream names and
 * the printed lines. Nothing here does I/O.
 */

/** What `node packages/stack/dist/dlq.js …` was asked to do. */
export type DlqArgs =
  | { command: 'help' }
  | ({ command: 'list'; limit: number } & Selection & Printing)
  | ({ command: 'replay' } & Target & Printing)
  | ({ command: 'drop' } & Target & Printing);

/** Which dead-letter streams and entries a command looks at. */
export interface Selection {
  /** `--context booking`: only the dead letters of `<ns>booking.events` (default: every stream of the namespace). */
  context?: string;
  /** `--group notification`: only entries that consumer group dead-lettered (list and `--all`). */
  group?: string;
}

/** `replay`/`drop`: the entries named by DLQ entry id, or every selected entry (`--all`). */
export type Target = Selection & ({ all: true; ids?: undefined } | { all: false; ids: string[] });

/** `--json`: JSON lines on stdout instead of text. */
export interface Printing {
  json: boolean;
}

/** `list` shows at most this many entries per dead-letter stream unless `--limit` says otherwise. */
export const DEFAULT_LIST_LIMIT = 50;

/** The help text of `npm run dlq`; `contexts`: the names `--context` accepts. */
export function dlqUsage(contexts: readonly string[]): string {
  return `Usage: npm run dlq -- <command> [options]   (node packages/stack/dist/dlq.js)

Shows, re-injects and removes dead-lettered events. A consumer group that fails an event
CONSUMER_MAX_DELIVERIES times moves it to <stream>.dlq (fields envelope, error, group, entry,
deliveries) and goes on. Dead-letter streams are those of EVENTS_NAMESPACE on REDIS_URL.

Commands:
  list [--context <c>] [--group <g>] [--limit <n>]
      One line per dead letter: DLQ entry id, source stream, consumer group, original entry id,
      deliveries, event type, aggregate id, event id, error; and a count per stream.
      --limit: entries shown per stream, oldest first (default ${DEFAULT_LIST_LIMIT}).
  replay <dlq-entry-id>... | --all [--context <c>] [--group <g>]
      Puts each event back on its source stream (XADD with fields type and envelope, as the
      outbox relay does) and removes it from the dead-letter stream, both in one MULTI/EXEC: a
      crash or a concurrent replay never loses it or puts it back twice. The event reaches every
      group on the stream again; groups that already applied it drop it by event id (inbox), so
      only the group that dead-lettered it applies it now, after the events published since (per-
      aggregate order is not restored). Fix the cause first: an event failing again is dead-lettered
      again. Entries whose envelope is not an event cannot be replayed (drop them).
  drop <dlq-entry-id>... | --all --yes [--context <c>] [--group <g>]
      Deletes dead letters (XDEL); the events are not applied by the group that dead-lettered them.
      --all needs --yes.

--all acts on the entries present when the command starts. Entry ids are searched in every
dead-letter stream of the namespace (or of --context); one found in several needs --context.

Options:
  --context <c>   a context of the catalog (${contexts.join(', ')})
  --group <g>     a consumer group (the reacting context or view)
  --json          JSON lines on stdout (counts go to stderr)
  -h, --help      this text

Exit status: 0 done; 1 Redis unreachable, bad configuration, or an entry not found or not
replayable; 2 bad arguments.`;
}

const ENTRY_ID = /^\d+-\d+$/;

/**
 * Parses the arguments (without `node` and the script). `contexts` lists the names `--context`
 * accepts. Throws `UsageError` for an unknown command or option, an option the command does not
 * take, a malformed entry id or limit, ids together with `--all` (or neither), and `drop --all`
 * without `--yes`.
 */
export function parseDlqArgs(argv: readonly string[], contexts: readonly string[]): DlqArgs {
  const { values, positionals } = parseStrict(argv, DLQ_OPTIONS);
  if (values.help) return { command: 'help' };
  const [command, ...rest] = positionals;
  if (command === undefined) throw new UsageError('missing command: list, replay or drop');
  if (command !== 'list' && command !== 'replay' && command !== 'drop') throw new UsageError(`unknown command: ${command} (expected list, replay or drop)`);

  const only = (option: 'limit' | 'all' | 'yes', commands: string[]) => {
    if (values[option] !== undefined && !commands.includes(command)) throw new UsageError(`--${option} applies to ${commands.join(' and ')} only`);
  };
  only('limit', ['list']);
  only('all', ['replay', 'drop']);
  only('yes', ['drop']);

  if (values.context !== undefined && !contexts.includes(values.context)) throw new UsageError(`unknown context ${values.context} in --context (known: ${contexts.join(', ')})`);
  if (values.group !== undefined && values.group.trim() === '') throw new UsageError('--group needs a consumer group name');
  const selection: Selection & Printing = { json: values.json ?? false };
  if (values.context !== undefined) selection.context = values.context;
  if (values.group !== undefined) selection.group = values.group;

  if (command === 'list') {
    if (rest.length > 0) throw new UsageError(`unexpected argument: ${rest[0]}`);
    let limit = DEFAULT_LIST_LIMIT;
    if (values.limit !== undefined) {
      limit = /^\d+$/.test(values.limit) ? Number(values.limit) : Number.NaN;
      if (!(limit >= 1)) throw new UsageError(`--limit must be a positive whole number, got ${values.limit}`);
    }
    return { command, limit, ...selection };
  }

  const bad = rest.find((id) => !ENTRY_ID.test(id));
  if (bad !== undefined) throw new UsageError(`not a stream entry id: ${bad} (expected <ms>-<seq>, as list prints it)`);
  if (values.all) {
    if (rest.length > 0) throw new UsageError('give entry ids or --all, not both');
    if (command === 'drop' && !values.yes) throw new UsageError('drop --all deletes every selected dead letter: add --yes to confirm');
    return { command, all: true, ...selection };
  }
  if (rest.length === 0) throw new UsageError(`${command} needs entry ids (from list) or --all`);
  if (selection.group !== undefined) throw new UsageError('--group selects entries for list and --all; entry ids already name them');
  return { command, all: false, ids: [...new Set(rest)], ...selection };
}

const DLQ_OPTIONS = {
  context: { type: 'string' },
  group: { type: 'string' },
  limit: { type: 'string' },
  all: { type: 'boolean' },
  yes: { type: 'boolean' },
  json: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** One entry of a dead-letter stream, decoded. */
export interface DeadLetter {
  /** The DLQ entry id (what `replay` and `drop` take). */
  id: string;
  /** The dead-letter stream: `<stream>.dlq`. */
  dlq: string;
  /** The stream the event was read from, where `replay` puts it back. */
  stream: string;
  /** The consumer group that failed it. */
  group: string;
  /** Its entry id on `stream`. */
  entry: string;
  /** Times it was delivered to `group` before being dead-lettered. */
  deliveries: number;
  /** The handler's error message (or why the entry is not an event). */
  error: string;
  /** The stored `envelope` field, as read from the source stream. */
  envelope: string;
  /** The parsed envelope, absent when `envelope` is not one (then `replay` refuses the entry). */
  event?: EventEnvelope;
}

const DLQ_SUFFIX = '.dlq';

/** The stream a dead-letter stream belongs to: `<stream>.dlq` → `<stream>`. */
export function sourceStream(dlq: string): string {
  if (!dlq.endsWith(DLQ_SUFFIX)) throw new Error(`not a dead-letter stream: ${dlq}`);
  return dlq.slice(0, -DLQ_SUFFIX.length);
}

/**
 * Whether `key` is the dead-letter stream of a context's events in `namespace`:
 * `<namespace><name>.events.dlq` with a name of letters, digits, `_` and `-` (no `:` or `.`, so
 * with an empty namespace the streams of prefixed namespaces, e.g. tests' `t1a2b:booking…`, are
 * not taken).
 */
export function isNamespaceDeadLetterStream(namespace: string, key: string): boolean {
  if (!key.startsWith(namespace)) return false;
  return /^[A-Za-z0-9_-]+\.events\.dlq$/.test(key.slice(namespace.length));
}

/**
 * Decodes a dead-letter entry (`fields` as XRANGE returns them, flat `[name, value, …]`) written
 * by `StreamConsumer.deadLetter`: `envelope`, `error`, `group`, `entry`, `deliveries`. Missing
 * fields read as empty strings (deliveries 0).
 */
export function decodeDeadLetter(dlq: string, id: string, fields: readonly string[]): DeadLetter {
  const field: Record<string, string> = {};
  for (let i = 0; i + 1 < fields.length; i += 2) field[fields[i]] = fields[i + 1];
  const envelope = field.envelope ?? '';
  const letter: DeadLetter = {
    id,
    dlq,
    stream: sourceStream(dlq),
    group: field.group ?? '',
    entry: field.entry ?? '',
    deliveries: Number(field.deliveries ?? 0) || 0,
    error: field.error ?? '',
    envelope,
  };
  try {
    letter.event = parseEnvelope(envelope);
  } catch {
    // not an event envelope (dead-lettered at once for that reason); listed, droppable, not replayable
  }
  return letter;
}

/** `text` on one line (whitespace runs collapsed), cut to `max` characters with `…`. */
export function truncate(text: string, max: number): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length <= max ? line : `${line.slice(0, max - 1)}…`;
}

/** Longest error text `list` prints (JSON lines carry it whole). */
const ERROR_WIDTH = 80;

const COLUMNS = ['DLQ ENTRY', 'STREAM', 'GROUP', 'ENTRY', 'DELIVERIES', 'TYPE', 'AGGREGATE', 'EVENT', 'ERROR'];

/**
 * The text `list` prints for one dead-letter stream: a count line (`<dlq>: 3 dead letters`, with
 * `, showing the oldest 2` when `letters` holds fewer than `total`), then, when there are any, a
 * header and one aligned line per entry (type, aggregate and event ids `?` when the envelope is
 * not an event; the error cut to `ERROR_WIDTH`).
 */
export function listLines(dlq: string, total: number, letters: readonly DeadLetter[]): string[] {
  const count = `${dlq}: ${total} dead letter${total === 1 ? '' : 's'}${letters.length < total ? `, showing the oldest ${letters.length}` : ''}`;
  if (letters.length === 0) return [count];
  const rows = letters.map((l) => [l.id, l.stream, l.group, l.entry, String(l.deliveries), l.event?.type ?? '?', l.event?.aggregateId ?? '?', l.event?.id ?? '?', truncate(l.error, ERROR_WIDTH)]);
  const widths = COLUMNS.map((title, i) => Math.max(title.length, ...rows.map((row) => row[i].length)));
  const line = (cells: string[]) => `  ${cells.map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]))).join('  ')}`;
  return [count, line(COLUMNS), ...rows.map(line)];
}

/** The JSON line `list --json` prints for an entry: the `DeadLetter` fields, `event` null when absent. */
export function letterJson(letter: DeadLetter): string {
  const { id, dlq, stream, group, entry, deliveries, error, envelope, event } = letter;
  return JSON.stringify({ id, dlq, stream, group, entry, deliveries, type: event?.type ?? null, aggregateId: event?.aggregateId ?? null, eventId: event?.id ?? null, error, envelope });
}

/** A short description of the event of `letter` for replay/drop lines: `BookingConfirmed event <id>, group notification`. */
export function describeLetter(letter: DeadLetter): string {
  return `${letter.event ? `${letter.event.type} event ${letter.event.id}` : 'entry that is not an event'}, group ${letter.group}`;
}

/** `url` with any user name and password replaced by `***`, for messages. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (!parsed.username && !parsed.password) return url;
    parsed.username = parsed.username ? '***' : '';
    parsed.password = parsed.password ? '***' : '';
    return parsed.toString();
  } catch {
    return url;
  }
}
