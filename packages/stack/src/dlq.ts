#!/usr/bin/env node
import Redis from 'ioredis';
import { ConfigError, deadLetterStream, eventStream, parseConfig, SUBGRAPHS } from '@supergraph/kernel';
import { UsageError } from './args';
import {
  DeadLetter, decodeDeadLetter, describeLetter, DlqArgs, dlqUsage, isNamespaceDeadLetterStream, letterJson, listLines, parseDlqArgs, redactUrl, Selection, Target,
} from './dlq-commands';
import { StackError } from './errors';

/**
 * `npm run dlq -- list|replay|drop …` (`node packages/stack/dist/dlq.js`): operates the dead-letter
 * streams `<stream>.dlq` that `StreamConsumer` fills (help text: `dlqUsage`). The functions below
 * take an ioredis connection of their own: `replayDeadLetters` uses WATCH, which belongs to the
 * connection, so it must not run commands for anyone else meanwhile.
 */

/** The contexts `--context` accepts: the subgraphs of the catalog (each publishes `<ns><context>.events`). */
export const DLQ_CONTEXTS: readonly string[] = SUBGRAPHS.map((service) => service.name);

/**
 * The dead-letter streams of `namespace`, sorted: with `context`, just `<ns><context>.events.dlq`
 * (whether or not it exists); otherwise every stream key `SCAN … MATCH <ns>*.events.dlq TYPE
 * stream` finds that `isNamespaceDeadLetterStream` accepts.
 */
export async function deadLetterStreams(redis: Redis, namespace: string, context?: string): Promise<string[]> {
  if (context !== undefined) return [deadLetterStream(eventStream(namespace, context))];
  const found = new Set<string>();
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${namespace}*.events.dlq`, 'COUNT', 500, 'TYPE', 'stream');
    cursor = next;
    for (const key of keys) if (isNamespaceDeadLetterStream(namespace, key)) found.add(key);
  } while (cursor !== '0');
  return [...found].sort();
}

/** Every entry of `dlq`, oldest first, read in pages (XRANGE … COUNT 500). */
async function* readDeadLetters(redis: Redis, dlq: string): AsyncGenerator<DeadLetter> {
  let start = '-';
  for (;;) {
    const page = await redis.xrange(dlq, start, '+', 'COUNT', 500);
    for (const [id, fields] of page) yield decodeDeadLetter(dlq, id, fields);
    if (page.length < 500) return;
    start = `(${page[page.length - 1][0]}`;
  }
}

/** One dead-letter stream as `list` shows it: `total` entries (of `group`, if given), the oldest `letters`. */
export interface DeadLetterPage {
  dlq: string;
  total: number;
  letters: DeadLetter[];
}

/**
 * `list`: for each dead-letter stream of `namespace` (see `deadLetterStreams`), the number of
 * entries and the oldest `limit` of them, only those of `selection.group` if given. Reads only.
 */
export async function listDeadLetters(redis: Redis, namespace: string, selection: Selection & { limit: number }): Promise<DeadLetterPage[]> {
  const pages: DeadLetterPage[] = [];
  for (const dlq of await deadLetterStreams(redis, namespace, selection.context)) {
    const page: DeadLetterPage = { dlq, total: 0, letters: [] };
    for await (const letter of readDeadLetters(redis, dlq)) {
      if (selection.group !== undefined && letter.group !== selection.group) continue;
      page.total += 1;
      if (page.letters.length < selection.limit) page.letters.push(letter);
    }
    pages.push(page);
  }
  return pages;
}

/** What `replay` or `drop` did with one entry: done (`letter`; `replayedAs` for replay), or why not (`problem`). */
export type Outcome =
  | { id: string; letter: DeadLetter; replayedAs?: string; problem?: undefined }
  | { id: string; problem: string; letter?: undefined; replayedAs?: undefined };

/** An entry to act on: its DLQ entry id and stream, or why it cannot be found. */
type Located = { id: string; dlq: string } | { id: string; problem: string };

/**
 * The entries `target` names: with `all`, every entry (of `group`, if given) present now in the
 * selected streams; otherwise each id, looked up in every selected stream (not found, or found in
 * several: a problem).
 */
async function locate(redis: Redis, namespace: string, target: Target): Promise<Located[]> {
  const streams = await deadLetterStreams(redis, namespace, target.context);
  if (target.all) {
    const located: Located[] = [];
    for (const dlq of streams) {
      for await (const letter of readDeadLetters(redis, dlq)) if (target.group === undefined || letter.group === target.group) located.push({ id: letter.id, dlq });
    }
    return located;
  }
  const where = streams.length === 1 ? streams[0] : `the ${streams.length} dead-letter streams of namespace "${namespace}"`;
  const located: Located[] = [];
  for (const id of target.ids) {
    const holders: string[] = [];
    for (const dlq of streams) if ((await redis.xrange(dlq, id, id)).length > 0) holders.push(dlq);
    if (holders.length === 1) located.push({ id, dlq: holders[0] });
    else if (holders.length === 0) located.push({ id, problem: `no dead letter ${id} in ${where}` });
    else located.push({ id, problem: `${id} is in ${holders.join(' and ')}: choose one with --context` });
  }
  return located;
}

/** WATCH rounds `replayOne` tries before giving up while the dead-letter stream keeps changing. */
const REPLAY_ATTEMPTS = 20;

/**
 * Moves entry `id` of `dlq` back onto its source stream: under WATCH of `dlq`, reads it, then
 * in one MULTI/EXEC XADDs `type` and `envelope` (the fields the outbox relay writes) to the
 * source stream and XDELs it from `dlq`. EXEC is refused when `dlq` changed after WATCH (another
 * replay, a drop, a new dead letter), and the round is tried again, so the event is re-injected
 * exactly once or not at all.
 */
async function replayOne(redis: Redis, dlq: string, id: string): Promise<Outcome> {
  for (let attempt = 0; attempt < REPLAY_ATTEMPTS; attempt += 1) {
    await redis.watch(dlq);
    const [hit] = await redis.xrange(dlq, id, id);
    if (!hit) {
      await redis.unwatch();
      return { id, problem: `no dead letter ${id} in ${dlq} (replayed or dropped meanwhile)` };
    }
    const letter = decodeDeadLetter(dlq, id, hit[1]);
    if (!letter.event) {
      await redis.unwatch();
      return { id, problem: `${id} in ${dlq} is not an event envelope (${letter.error}); it cannot be replayed, drop it` };
    }
    const results = await redis.multi().xadd(letter.stream, '*', 'type', letter.event.type, 'envelope', letter.envelope).xdel(dlq, id).exec();
    if (results === null) continue;
    const failed = results.find(([error]) => error);
    if (failed) throw failed[0];
    return { id, letter, replayedAs: results[0][1] as string };
  }
  throw new StackError(`${dlq} kept changing during ${REPLAY_ATTEMPTS} attempts to replay ${id}; try again`);
}

/**
 * `replay`: re-injects each entry `target` names (see `replayOne`: atomic, never lost or
 * duplicated) and reports one `Outcome` per entry, in order. The event reaches every consumer
 * group on its stream again, behind the events published since: the groups that had applied it
 * find its id in their inbox and only acknowledge it, the group that dead-lettered it applies it
 * now (or dead-letters it again if it still fails). Entries whose envelope is not an event are
 * left in place with a problem.
 */
export async function replayDeadLetters(redis: Redis, namespace: string, target: Target): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const located of await locate(redis, namespace, target)) outcomes.push('problem' in located ? located : await replayOne(redis, located.dlq, located.id));
  return outcomes;
}

/**
 * `drop`: deletes each entry `target` names from its dead-letter stream (XDEL) and reports one
 * `Outcome` per entry, in order (a problem for an entry gone meanwhile). The events are not
 * applied by the groups that dead-lettered them.
 */
export async function dropDeadLetters(redis: Redis, namespace: string, target: Target): Promise<Outcome[]> {
  const outcomes: Outcome[] = [];
  for (const located of await locate(redis, namespace, target)) {
    if ('problem' in located) {
      outcomes.push(located);
      continue;
    }
    const { id, dlq } = located;
    const [hit] = await redis.xrange(dlq, id, id);
    const deleted = hit ? await redis.xdel(dlq, id) : 0;
    outcomes.push(hit && deleted === 1 ? { id, letter: decodeDeadLetter(dlq, id, hit[1]) } : { id, problem: `no dead letter ${id} in ${dlq} (replayed or dropped meanwhile)` });
  }
  return outcomes;
}

/**
 * Opens one connection to `url` without retries: resolves once connected, rejects with a
 * `StackError` (`cannot reach Redis at <url>: <reason>`, credentials hidden) when it cannot.
 */
export async function connectRedis(url: string): Promise<Redis> {
  const redis = new Redis(url, { lazyConnect: true, enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 3000, connectionName: 'dlq' });
  let cause: Error | undefined;
  redis.on('error', (error: Error) => {
    cause = error; // says why (ECONNREFUSED …) where connect() only rejects with "Connection is closed"
  });
  try {
    await redis.connect();
  } catch (error) {
    if (redis.status !== 'end') redis.disconnect(); // (on an ended connection it would only arm a 2 s timer)
    throw new StackError(`cannot reach Redis at ${redactUrl(url)}: ${(cause ?? (error as Error)).message}`);
  }
  return redis;
}

/** Where `main` writes: stdout and stderr by default. */
export interface DlqOutput {
  out: (line: string) => void;
  err: (line: string) => void;
}

const processOutput: DlqOutput = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
};

/**
 * Runs the CLI on `argv` (without `node` and the script) with `REDIS_URL` and
 * `EVENTS_NAMESPACE` from `env`; resolves with the exit status: 0 done, 1 when Redis cannot be
 * reached, the configuration is bad or an entry could not be replayed or dropped, 2 for bad
 * arguments (one line on stderr saying what is wrong). Errors are printed as one line, without stack.
 */
export async function main(argv: readonly string[], env: NodeJS.ProcessEnv = process.env, output: DlqOutput = processOutput): Promise<number> {
  let args: DlqArgs;
  try {
    args = parseDlqArgs(argv, DLQ_CONTEXTS);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    output.err(`dlq: ${error.message} (see npm run dlq -- --help)`);
    return 2;
  }
  if (args.command === 'help') {
    output.out(dlqUsage(DLQ_CONTEXTS));
    return 0;
  }
  let redis: Redis | undefined;
  try {
    const config = parseConfig({}, { REDIS_URL: env.REDIS_URL, EVENTS_NAMESPACE: env.EVENTS_NAMESPACE });
    redis = await connectRedis(config.REDIS_URL);
    return await run(redis, config.EVENTS_NAMESPACE, args, output);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.err(`dlq: ${error instanceof ConfigError ? message.split('\n').map((line) => line.trim()).join(' ') : message}`);
    return 1;
  } finally {
    redis?.disconnect();
  }
}

async function run(redis: Redis, namespace: string, args: Exclude<DlqArgs, { command: 'help' }>, output: DlqOutput): Promise<number> {
  if (args.command === 'list') {
    const pages = await listDeadLetters(redis, namespace, args);
    if (args.json) {
      for (const page of pages) for (const letter of page.letters) output.out(letterJson(letter));
      for (const page of pages) output.err(`${page.dlq}: ${page.total}`);
    } else if (pages.length === 0) {
      output.out(`no dead-letter streams in namespace "${namespace}"`);
    } else {
      for (const page of pages) for (const line of listLines(page.dlq, page.total, page.letters)) output.out(line);
    }
    return 0;
  }

  const replay = args.command === 'replay';
  const outcomes = replay ? await replayDeadLetters(redis, namespace, args) : await dropDeadLetters(redis, namespace, args);
  let done = 0;
  for (const outcome of outcomes) {
    if (outcome.problem !== undefined) {
      output.err(`dlq: ${outcome.problem}`);
      continue;
    }
    done += 1;
    const { letter, replayedAs } = outcome;
    if (args.json) output.out(JSON.stringify({ [replay ? 'replayed' : 'dropped']: letter.id, dlq: letter.dlq, stream: letter.stream, ...(replay ? { as: replayedAs } : {}), group: letter.group, type: letter.event?.type ?? null, eventId: letter.event?.id ?? null }));
    else if (replay) output.out(`replayed ${letter.id} from ${letter.dlq} onto ${letter.stream} as ${replayedAs} (${describeLetter(letter)})`);
    else output.out(`dropped ${letter.id} from ${letter.dlq} (${describeLetter(letter)})`);
  }
  const verb = replay ? 'replayed' : 'dropped';
  (args.json ? output.err : output.out)(`${verb} ${done} of ${outcomes.length} dead letter${outcomes.length === 1 ? '' : 's'}`);
  return done === outcomes.length ? 0 : 1;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => {
      process.exitCode = status;
    },
    (error: unknown) => {
      process.stderr.write(`dlq: ${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
