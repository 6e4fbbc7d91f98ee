import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Redis from 'ioredis';
import { processAlive, redisNamespace, REDIS_URL } from '@supergraph/testing';
import { StackHandle, startStack } from './launcher';
import { memorySink } from './log-lines';
import { freePort } from './net';
import { ensureRedis, INSTALL_REDIS_HINT, redisAnswers, redisPing } from './private-redis';

/** Needs `redis-server` on PATH (the test machines install it) and the shared Redis of REDIS_URL. */
describe('ensureRedis', () => {
  const dir = mkdtempSync(join(tmpdir(), 'stack-redis-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('uses a Redis that answers and starts nothing', async () => {
    expect(await ensureRedis({ url: REDIS_URL, dir: join(dir, 'unused') })).toEqual({ url: REDIS_URL });
    expect(existsSync(join(dir, 'unused'))).toBe(false);
  });

  it('starts a private redis-server on the port of the URL, with pid, log and data in its folder, and stops it', async () => {
    const port = await freePort();
    const url = `redis://127.0.0.1:${port}`;
    const notes: string[] = [];
    const setup = await ensureRedis({ url, dir: join(dir, 'a'), note: (text) => notes.push(text) });
    try {
      expect(setup.url).toBe(url);
      expect(setup.private).toBeDefined();
      expect(await redisAnswers(url)).toBe(true);
      expect(Number(readFileSync(join(dir, 'a', 'redis.pid'), 'utf8'))).toBe(setup.private!.pid);
      expect(readFileSync(join(dir, 'a', 'redis.log'), 'utf8')).toContain('Ready to accept connections');
      expect(notes).toEqual([`started redis-server ${url} (pid ${setup.private!.pid}, data and log in ${join(dir, 'a')})`]);
      const client = new Redis(url);
      await client.xadd('stack-test', '*', 'k', 'v');
      client.disconnect();
    } finally {
      await setup.private?.stop();
    }
    expect(processAlive(setup.private!.pid)).toBe(false);
    expect(await redisAnswers(url)).toBe(false);
  });

  it('moves to a free port when something else holds the port of the URL', async () => {
    const sockets: Socket[] = [];
    const squatter: Server = createServer((socket) => void sockets.push(socket));
    const port = await freePort();
    await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
    const setup = await ensureRedis({ url: `redis://localhost:${port}/2`, dir: join(dir, 'b') });
    try {
      expect(setup.url).toMatch(/^redis:\/\/127\.0\.0\.1:\d+\/2$/);
      expect(setup.url).not.toBe(`redis://127.0.0.1:${port}/2`);
      expect(await redisAnswers(setup.url)).toBe(true);
    } finally {
      await setup.private?.stop();
      for (const socket of sockets) socket.destroy();
      squatter.close();
    }
  });

  it('requires the password of the URL from a private server, and PING tells a Redis from other servers', async () => {
    const port = await freePort();
    const setup = await ensureRedis({ url: `redis://:s%40cret@127.0.0.1:${port}`, dir: join(dir, 'pw') });
    const chatty: Server = createServer((socket) => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n'));
    try {
      expect(await redisPing(setup.url)).toBe('+PONG');
      expect(await redisPing(`redis://127.0.0.1:${port}`)).toMatch(/^-NOAUTH/);
      expect(await redisAnswers(`redis://127.0.0.1:${port}`)).toBe(true);
      expect(await redisPing(REDIS_URL)).toBe('+PONG');
      const chattyPort = await freePort();
      await new Promise<void>((resolve) => chatty.listen(chattyPort, '127.0.0.1', resolve));
      expect(await redisPing(`redis://127.0.0.1:${chattyPort}`)).toBeUndefined();
    } finally {
      chatty.close();
      await setup.private?.stop();
    }
  });

  it('says in one line how to get Redis when none answers and redis-server is not installed', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const error: Error = await ensureRedis({ url, dir: join(dir, 'c'), env: { PATH: dir } }).then(() => new Error('resolved'), (reason: Error) => reason);
    expect(error.message).toBe(`Redis is not reachable at ${url} and redis-server is not installed: ${INSTALL_REDIS_HINT}`);
    expect(error.message).not.toContain('\n');
    expect(INSTALL_REDIS_HINT).toContain('apt-get install redis-server');
    expect(INSTALL_REDIS_HINT).toContain('REDIS_URL');
  });

  it('starts nothing for a remote host or when told not to', async () => {
    await expect(ensureRedis({ url: 'redis://192.0.2.1:6379', dir: join(dir, 'd') })).rejects.toThrow('Redis is not reachable at redis://192.0.2.1:6379: start it there, or set REDIS_URL');
    const url = `redis://127.0.0.1:${await freePort()}`;
    await expect(ensureRedis({ url, dir: join(dir, 'd'), start: false })).rejects.toThrow(`Redis is not reachable at ${url}: start Redis`);
  });
});

describe('startStack with a private Redis', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-int-redis-'));
  const ns = redisNamespace();
  let stack: StackHandle | undefined;
  afterAll(async () => {
    await stack?.stopAll();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts redis-server where REDIS_URL points, gives its URL to the services, and stops it last', async () => {
    const url = `redis://127.0.0.1:${await freePort()}`;
    const logs = memorySink();
    stack = await startStack({
      services: ['ticket'],
      freePorts: true,
      log: logs.sink,
      readyTimeoutMs: 30_000,
      env: { DATA_DIR: dataDir, REDIS_URL: url, TICKET_PORT: undefined, TICKET_DB_URL: undefined, STORES: 'sqlite', EVENTS_NAMESPACE: ns.namespace },
    });
    expect(stack.redisUrl).toBe(url);
    expect(stack.env.REDIS_URL).toBe(url);
    expect(stack.privateRedis?.dir).toBe(join(dataDir, 'redis'));
    expect(logs.lines.find((line) => line.service === 'redis')?.text).toMatch(/^started redis-server /);
    const redisPid = stack.privateRedis!.pid;
    const ticketPid = stack.pid('ticket')!;

    await stack.stopAll();
    expect(processAlive(ticketPid)).toBe(false);
    expect(processAlive(redisPid)).toBe(false);
    expect(await redisAnswers(url)).toBe(false);
  }, 40_000);
});
