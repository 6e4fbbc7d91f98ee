import { parseArgs } from 'node:util';

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
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { values, positionals } = parsed;
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

function parse(argv: readonly string[]) {
  return parseArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      only: { type: 'string', multiple: true },
      'json-logs': { type: 'boolean' },
      'ready-timeout': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
