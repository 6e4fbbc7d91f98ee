import { ChildProcess, spawn } from 'node:child_process';
import { accessSync, constants, mkdirSync, readFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { delimiter, join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { connect as tlsConnect } from 'node:tls';
import { StackError } from './errors';
import { canListen, freePort } from './net';
import { Killable, track, untrack } from './reaper';
import { settlesWithin } from './wait';

/** The Redis URL services use when `REDIS_URL` is not set (kernel config default). */
export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/** How to get Redis, in one line (the CLI's whole error output when Redis is missing). */
export const INSTALL_REDIS_HINT = 'install Redis (apt-get install redis-server, or brew install redis) or set REDIS_URL to a running Redis';

/** Host and port of a Redis URL, and whether a server for it could be started on this machine. */
export interface RedisAddress {
  host: string;
  port: number;
  /** True for localhost / 127.0.0.1 / ::1. */
  local: boolean;
}

/** Reads host, port (default 6379) and locality of a `redis://` / `rediss://` URL; throws `StackError` for anything else. */
export function redisAddress(url: string): RedisAddress {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new StackError(`REDIS_URL is not a URL: ${url}`);
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new StackError(`REDIS_URL must start with redis:// or rediss://, got ${url}`);
  const host = parsed.hostname.replace(/^\[|\]$/g, '');
  return { host, port: parsed.port ? Number(parsed.port) : 6379, local: ['localhost', '127.0.0.1', '::1'].includes(host) };
}

/** `url` pointing at 127.0.0.1:`port` instead, keeping credentials and database number. */
export function withLocalPort(url: string, port: number): string {
  const parsed = new URL(url);
  parsed.hostname = '127.0.0.1';
  parsed.port = String(port);
  return parsed.toString().replace(/\/$/, '');
}

/** The full path of `command` in one of the folders of `PATH`, if it is there and executable. */
export function findOnPath(command: string, env: Readonly<Record<string, string | undefined>> = process.env): string | undefined {
  for (const folder of (env.PATH ?? '').split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      continue;
    }
  }
  return undefined;
}

/** One command in RESP (the Redis protocol): an array of bulk strings. */
function resp(args: readonly string[]): string {
  return `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`;
}

/**
 * Sends PING (after AUTH when the URL carries credentials) on a connection of its own and
 * returns the first error reply or the PING reply (`+PONG`, `-NOAUTH …`, `-LOADING …`), or
 * undefined when nothing answers like Redis within `timeoutMs`. Never throws.
 */
export function redisPing(url: string, timeoutMs = 1000): Promise<string | undefined> {
  const { host, port } = redisAddress(url);
  const parsed = new URL(url);
  const commands: string[][] = [];
  if (parsed.password) {
    const password = decodeURIComponent(parsed.password);
    commands.push(parsed.username ? ['AUTH', decodeURIComponent(parsed.username), password] : ['AUTH', password]);
  }
  commands.push(['PING']);
  return new Promise((resolve) => {
    let settled = false;
    let buffer = '';
    const send = () => socket.write(commands.map(resp).join(''));
    const socket = parsed.protocol === 'rediss:' ? tlsConnect({ host, port, servername: host }, send) : netConnect({ host, port }, send);
    const done = (reply: string | undefined) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve(reply);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      buffer += chunk;
      const replies = buffer.split('\r\n').slice(0, -1);
      if (replies.some((reply) => !/^[+-]/.test(reply))) return done(undefined);
      const error = replies.find((reply) => reply.startsWith('-'));
      if (error !== undefined) return done(error);
      if (replies.length >= commands.length) done(replies[commands.length - 1]);
    });
    socket.on('error', () => done(undefined));
    socket.on('close', () => done(undefined));
  });
}

/**
 * True when a Redis answers at `url` within `timeoutMs`: PONG, or an error reply (e.g. NOAUTH:
 * a Redis is there, its credentials are the services' business). Never throws.
 */
export async function redisAnswers(url: string, timeoutMs = 1000): Promise<boolean> {
  return (await redisPing(url, timeoutMs)) !== undefined;
}

/** A redis-server the stack started itself; `stop()` shuts it down (SIGTERM, then SIGKILL). */
export interface PrivateRedis extends Killable {
  url: string;
  pid: number;
  /** Its working folder: data (AOF), `redis.pid`, `redis.log`. */
  dir: string;
  stop(): Promise<void>;
}

/** What the stack runs on: the Redis URL to give every service, and the private server if one was started. */
export interface RedisSetup {
  url: string;
  private?: PrivateRedis;
}

/** How `ensureRedis` looks for or starts Redis. */
export interface EnsureRedisOptions {
  /** `REDIS_URL` (default redis://127.0.0.1:6379). */
  url?: string;
  /** Folder of a private server's data, pid and log (the launcher uses `<DATA_DIR>/redis`). */
  dir: string;
  /** Start redis-server when nothing answers (default true). */
  start?: boolean;
  /** `PATH` and friends, to find redis-server (default process.env). */
  env?: Readonly<Record<string, string | undefined>>;
  /** Progress messages (`started redis-server …`). */
  note?: (message: string) => void;
  /** How long a started server may take to answer PING, ms (default 10 s). */
  readyTimeoutMs?: number;
}

/**
 * Makes sure a Redis answers for the stack. If one answers at `url`, uses it. Otherwise, when the
 * URL is local (and not TLS) and `redis-server` is on PATH, starts a private one on the URL's port (or a free
 * port if that one is taken by something else) with its data under `dir`, and returns its URL.
 * Otherwise throws `StackError` with one line saying how to install Redis or set REDIS_URL.
 */
export async function ensureRedis(options: EnsureRedisOptions): Promise<RedisSetup> {
  const url = options.url || DEFAULT_REDIS_URL;
  const address = redisAddress(url);
  if (await redisAnswers(url)) return { url };
  if (!address.local || url.startsWith('rediss:')) throw new StackError(`Redis is not reachable at ${url}: start it there, or set REDIS_URL to a running Redis`);
  if (options.start === false) throw new StackError(`Redis is not reachable at ${url}: start Redis, or set REDIS_URL to a running Redis`);
  const binary = findOnPath('redis-server', options.env ?? process.env);
  if (!binary) throw new StackError(`Redis is not reachable at ${url} and redis-server is not installed: ${INSTALL_REDIS_HINT}`);

  const port = (await canListen(address.port, '127.0.0.1')) ? address.port : await freePort();
  const privateUrl = withLocalPort(url, port);
  const server = await startRedisServer({ binary, port, dir: options.dir, password: new URL(url).password, readyTimeoutMs: options.readyTimeoutMs ?? 10_000, url: privateUrl });
  options.note?.(`started redis-server ${privateUrl} (pid ${server.pid}, data and log in ${options.dir})`);
  return { url: privateUrl, private: server };
}

/** Starts redis-server on 127.0.0.1:`port` with AOF persistence in `dir` and waits until it answers. */
async function startRedisServer(options: { binary: string; port: number; dir: string; password: string; readyTimeoutMs: number; url: string }): Promise<PrivateRedis> {
  mkdirSync(options.dir, { recursive: true });
  const logFile = join(options.dir, 'redis.log');
  const args = [
    '--port', String(options.port),
    '--bind', '127.0.0.1',
    '--dir', options.dir,
    '--pidfile', join(options.dir, 'redis.pid'),
    '--logfile', logFile,
    '--daemonize', 'no',
    '--save', '',
    '--appendonly', 'yes',
  ];
  if (options.password) args.push('--requirepass', decodeURIComponent(options.password));
  // Own process group: a Ctrl-C in the terminal reaches the launcher, which stops Redis after the services.
  const child = spawn(options.binary, args, { stdio: 'ignore', detached: true });
  let exit: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = signal ? `signal ${signal}` : `code ${code}`;
      resolve();
    });
    child.once('error', (error) => {
      exit = error.message;
      resolve();
    });
  });
  const server = privateRedis(child, exited, options.url, options.dir);
  track(server);

  const deadline = Date.now() + options.readyTimeoutMs;
  while ((await redisPing(options.url, 500)) !== '+PONG') {
    if (exit !== undefined || Date.now() > deadline) {
      await server.stop();
      const why = exit !== undefined ? `exited (${exit})` : `did not answer within ${options.readyTimeoutMs} ms`;
      throw new StackError(`redis-server on port ${options.port} ${why}; its log (${logFile}) ends with:\n${tail(logFile, 10)}`);
    }
    await delay(100);
  }
  return server;
}

function privateRedis(child: ChildProcess, exited: Promise<void>, url: string, dir: string): PrivateRedis {
  let stopping: Promise<void> | undefined;
  const server: PrivateRedis = {
    url,
    pid: child.pid ?? -1,
    dir,
    killNow: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
    stop: () =>
      (stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          if (!(await settlesWithin(exited, 10_000))) {
            child.kill('SIGKILL');
            await exited;
          }
        }
        untrack(server);
      })()),
  };
  return server;
}

/** The last `lines` lines of a text file ('' if it cannot be read). */
export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '';
  }
}
