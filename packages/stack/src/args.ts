import { parseArgs, ParseArgsConfig } from 'node:util';

/** What `node packages/stack/dist/cli.js …` was asked to do. */
export interface CliArgs {
  command: 'start' | 'help';
  /** `--only ticket,booking`: start just these services (default: every subgraph and the router). */
  only?: string[];
  /** `--json-logs`: print the services' pino JSON lines as they are instead of the compact form. */
  jsonLogs: boolean;
  /** `--ready-timeout <s>`: how long to wait for every service to be ready, in ms. */
  readyTimeoutMs?: number;
}

/** A command line the CLI cannot run; the message says what is wrong. */
export class UsageError extends Error {}

/** The options of a command, as `parseArgs` takes them. */
export type ArgOptions = NonNullable<ParseArgsConfig['options']>;

/** What `parseStrict` returns for options `O`: typed `values` and the `positionals`. */
export type ParsedArgs<O extends ArgOptions> = ReturnType<typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: O }>>;

/**
 * `parseArgs` (node:util) in strict mode with positionals, as every command of the stack parses
 * its arguments: an unknown option or a missing value becomes a `UsageError` with node's message.
 */
export function parseStrict<O extends ArgOptions>(argv: readonly string[], options: O): ParsedArgs<O> {
  try {
    return parseArgs({ args: [...argv], allowPositionals: true as const, strict: true as const, options });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** The CLI's help text. */
export const USAGE = `Usage: node packages/stack/dist/cli.js start [options]   (what \`npm start\` runs)

Starts Redis if needed, every subgraph and the router, each as its own process, and waits
until all of them are ready.

Options:
  --only <names>          comma-separated services to start (e.g. ticket,booking)
  --json-logs             show the services' JSON log lines as they are
  --ready-timeout <s>     seconds to wait for readiness (default 60)
  -h, --help              this text

Environment: STORES (sqlite | polyglot), REDIS_URL, EVENTS_NAMESPACE, LOG_LEVEL, DATA_DIR,
<NAME>_PORT and <NAME>_DB_URL per service (e.g. BOOKING_PORT, BOOKING_DB_URL).`;

/**
 * Parses the CLI arguments (without `node` and the script). `known` lists the service names
 * `--only` accepts. Throws `UsageError` for an unknown command, option or service.
 */
export function parseCliArgs(argv: readonly string[], known: readonly string[]): CliArgs {
  const { values, positionals } = parseStrict(argv, CLI_OPTIONS);
  if (values.help) return { command: 'help', jsonLogs: false };
  const [command, ...extra] = positionals;
  if (command !== 'start') throw new UsageError(command === undefined ? 'missing command: start' : `unknown command: ${command}`);
  if (extra.length > 0) throw new UsageError(`unexpected argument: ${extra[0]}`);

  const args: CliArgs = { command, jsonLogs: values['json-logs'] ?? false };
  if (values.only !== undefined) {
    const names = values.only.flatMap((value) => value.split(',')).map((name) => name.trim()).filter((name) => name !== '');
    const unknown = names.filter((name) => !known.includes(name));
    if (unknown.length > 0) throw new UsageError(`unknown service ${unknown.join(', ')} in --only (known: ${known.join(', ')})`);
    if (names.length === 0) throw new UsageError('--only needs at least one service');
    args.only = [...new Set(names)];
  }
  if (values['ready-timeout'] !== undefined) {
    const seconds = Number(values['ready-timeout']);
    if (!Number.isFinite(seconds) || seconds <= 0) throw new UsageError(`--ready-timeout must be a positive number of seconds, got ${values['ready-timeout']}`);
    args.readyTimeoutMs = Math.round(seconds * 1000);
  }
  return args;
}

const CLI_OPTIONS = {
  only: { type: 'string', multiple: true },
  'json-logs': { type: 'boolean' },
  'ready-timeout': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;
