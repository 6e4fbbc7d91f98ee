/**
 * Test-only model for the kernel's integration tests: a tiny aggregate (`Counter`) mapped with
 * an EntitySchema, plus helpers to read the kernel's tables and Redis streams. Nothing here is
 * part of the kernel's public API.
 */
import { ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { EntityManager, EntitySchema, MikroORM } from '@mikro-orm/core';
import Redis from 'ioredis';
import pino from 'pino';
import { waitFor, xaddAsRelay } from '@supergraph/testing';
import { AggregateRoot, ensure } from '../src/domain';
import { envelope, EventEnvelope, EventMeta, newId } from '../src/events/envelope';
import { OutboxMessage } from '../src/events/outbox-message';
import { ProcessedEvent } from '../src/events/processed-event';
import type { StoreKind } from '../src/store/orm';
import type { UnitOfWork } from '../src/events/unit-of-work';

/** The three store kinds every store-dependent behaviour is checked on. */
export const STORE_KINDS: StoreKind[] = ['postgresql', 'mysql', 'sqlite'];

/** A logger that writes nothing. */
export const silentLogger = pino({ level: 'silent' });

/**
 * Test aggregate: `open` raises `CounterOpened`, `increment` raises `CounterIncremented`
 * (`by` must be 1..1000, else BAD_USER_INPUT), `close` raises `CounterClosed`.
 */
export class Counter extends AggregateRoot {
  value = 0;

  constructor(
    readonly id: string,
    readonly label: string,
  ) {
    super();
  }

  protected get aggregateType(): string {
    return 'Counter';
  }

  static open(id: string, label: string): Counter {
    const counter = new Counter(id, label);
    counter.raise('CounterOpened', { counterId: id, label });
    return counter;
  }

  increment(by: number): void {
    ensure.intInRange('by', by, 1, 1000);
    this.value += by;
    this.raise('CounterIncremented', { counterId: this.id, by, value: this.value });
  }

  close(): void {
    this.raise('CounterClosed', { counterId: this.id, value: this.value });
  }
}

export const CounterSchema = new EntitySchema<Counter>({
  class: Counter,
  tableName: 'counter',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    version: { type: 'integer' },
    label: { type: 'string', length: 100 },
    value: { type: 'integer' },
  },
});

/**
 * Test aggregate with an optimistic lock of its own (`revision`, MikroORM `version: true`) beside the
 * mapped event count `version`, like a view row that raises events: `mark` raises `TallyMarked`.
 */
export class Tally extends AggregateRoot {
  marks = 0;
  revision = 1;

  constructor(readonly id: string) {
    super();
  }

  protected get aggregateType(): string {
    return 'Tally';
  }

  mark(): void {
    this.marks += 1;
    this.raise('TallyMarked', { tallyId: this.id, marks: this.marks });
  }
}

export const TallySchema = new EntitySchema<Tally>({
  class: Tally,
  tableName: 'tally',
  properties: {
    id: { type: 'string', length: 36, primary: true },
    revision: { type: 'integer', version: true },
    version: { type: 'integer', default: 0 },
    marks: { type: 'integer' },
  },
});

/** Outbox rows in `seq` order (a fresh EntityManager, so it sees committed data only). */
export function outboxRows(orm: MikroORM): Promise<OutboxMessage[]> {
  return orm.em.fork().find(OutboxMessage, {}, { orderBy: { seq: 'asc' } });
}

/** Inbox rows of `consumer`. */
export function inboxRows(orm: MikroORM, consumer: string): Promise<ProcessedEvent[]> {
  return orm.em.fork().find(ProcessedEvent, { consumer });
}

/** The committed counter `id`, or null. */
export function findCounter(orm: MikroORM, id: string): Promise<Counter | null> {
  return orm.em.fork().findOne(Counter, { id });
}

/** Meta of a client command (new correlation id, no cause). */
export function commandMeta(): EventMeta {
  return { correlationId: newId(), causationId: null };
}

/** Opens counter `id` in its own committed transaction through `run`. */
export async function openCounter(uow: UnitOfWork, orm: MikroORM, id = newId()): Promise<string> {
  await uow.run(orm.em, commandMeta(), async (tx) => tx.persist(Counter.open(id, `counter ${id}`)));
  return id;
}

/** An envelope as another context would publish it (`producer` = `source`). */
export function sourceEvent(type: string, payload: Record<string, unknown>, meta: EventMeta = commandMeta()): EventEnvelope {
  return envelope({ type, aggregateType: 'Source', aggregateId: String(payload.counterId ?? newId()), aggregateVersion: 1, payload }, 'source', meta);
}

/** XADDs `event` the way the outbox relay does (fields `type`, `envelope`); returns the entry id. */
export const publish = xaddAsRelay;

/** Entries of `stream` as `{ id, fields }` with fields as an object. */
export async function streamEntries(redis: Redis, stream: string): Promise<{ id: string; fields: Record<string, string> }[]> {
  const entries = await redis.xrange(stream, '-', '+');
  return entries.map(([id, flat]) => {
    const fields: Record<string, string> = {};
    for (let i = 0; i + 1 < flat.length; i += 2) fields[flat[i]] = flat[i + 1];
    return { id, fields };
  });
}

/** Number of entries pending (delivered, not acknowledged) in `group` on `stream`. */
export async function pendingCount(redis: Redis, stream: string, group: string): Promise<number> {
  const summary = (await redis.xpending(stream, group)) as [number, ...unknown[]];
  return Number(summary[0]);
}

/** uuid v7: version nibble 7, RFC 4122 variant. */
export const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

/** A TCP port nothing listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A private, non-persistent redis-server child process on `port` (so a test can kill and restart it). */
export interface OwnRedis {
  url: string;
  stop(): Promise<void>;
}

/** Starts `redis-server --port <port> --save ''` and resolves once it answers PING. */
export async function startOwnRedis(port: number): Promise<OwnRedis> {
  const child: ChildProcess = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no'], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(`redis-server on ${port}`, () => {
    if (child.exitCode !== null) throw new Error(`redis-server exited with ${child.exitCode}`);
    return pingOnce(port);
  });
  return {
    url,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

/** One raw RESP `PING` (no client library, so no reconnect timers are left behind). */
function pingOnce(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let reply = '';
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('error', () => done(false));
    socket.on('data', (chunk) => {
      reply += chunk.toString();
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
    socket.once('connect', () => socket.write('PING\r\n'));
  });
}

/** Resolves once `redis` is connected (kernel connections fail fast instead of queueing while connecting). */
export function redisReady(redis: Redis): Promise<true> {
  return waitFor('redis connection ready', () => redis.status === 'ready');
}

/**
 * Resolver of the test subgraphs' `openCounter(label: String!): Counter!` mutation: opens a
 * `Counter` through `uow` (so `CounterOpened` goes to the outbox) in the request's transaction.
 */
export function openCounterMutation(uow: UnitOfWork) {
  return (_: unknown, { label }: { label: string }, ctx: { em: EntityManager; meta: EventMeta }) =>
    uow.run(ctx.em, ctx.meta, async (tx) => {
      const counter = Counter.open(newId(), label);
      tx.persist(counter);
      return counter;
    });
}
