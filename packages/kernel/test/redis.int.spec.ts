import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { waitFor } from '@supergraph/testing';
import { StreamConsumer } from '../src/events/stream-consumer';
import type { UnitOfWork } from '../src/events/unit-of-work';
import { createRedis } from '../src/redis';
import { freePort, OwnRedis, silentLogger, startOwnRedis } from './fixtures';

/** ioredis prints this (with a stack) for an `error` event nobody listens to. */
const UNHANDLED = '[ioredis] Unhandled error event';

/** Kernel connections while Redis is unreachable: errors go to the logger, rate-limited, never to stderr. */
describe('Redis connection errors', () => {
  const logger = { warn: jest.fn(), info: jest.fn(), error: jest.fn(), debug: jest.fn(), child: () => logger };
  let consoleError: jest.SpyInstance;
  const connections: Redis[] = [];
  let own: OwnRedis | undefined;

  beforeEach(() => {
    for (const fn of [logger.warn, logger.info, logger.error, logger.debug]) fn.mockClear();
    consoleError = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  });
  afterEach(async () => {
    for (const c of connections.splice(0)) c.disconnect();
    await own?.stop();
    own = undefined;
    consoleError.mockRestore();
  });

  /** Resolves once `redis` has failed to connect `times` times. */
  const failedAttempts = (redis: Redis, times: number) => {
    let attempts = 0;
    redis.on('reconnecting', () => (attempts += 1));
    return waitFor(`${times} failed connection attempts`, () => attempts >= times, 10_000);
  };
  const unhandled = () => consoleError.mock.calls.filter(([first]) => String(first).includes(UNHANDLED));

  it('createRedis logs them through its logger at warn, once per interval, and says when the connection is back', async () => {
    const port = await freePort();
    const redis = createRedis(`redis://127.0.0.1:${port}`, { name: 'probe', logger: logger as unknown as Logger });
    connections.push(redis);
    await failedAttempts(redis, 4);
    expect(logger.warn).toHaveBeenCalledTimes(1);
    expect(logger.warn).toHaveBeenCalledWith({ connection: 'probe', code: 'ECONNREFUSED', reason: expect.stringContaining('ECONNREFUSED'), suppressed: 0 }, 'redis connection error; reconnecting');
    expect(unhandled()).toEqual([]);

    own = await startOwnRedis(port);
    await waitFor('the connection back', () => redis.status === 'ready', 10_000);
    expect(logger.info).toHaveBeenCalledWith({ connection: 'probe', suppressed: expect.any(Number) }, 'redis connection ready again');
    expect(logger.warn).toHaveBeenCalledTimes(1);
  });

  it('createRedis without a logger still listens (its own pino logger), so ioredis prints nothing', async () => {
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`);
    connections.push(redis);
    expect(redis.listenerCount('error')).toBe(1);
  });

  it('the stream consumer’s reader connection logs its errors through the consumer’s logger', async () => {
    const redis = createRedis(`redis://127.0.0.1:${await freePort()}`, { logger: silentLogger });
    connections.push(redis);
    const consumer = new StreamConsumer({} as MikroORM, redis, {} as UnitOfWork, logger as unknown as Logger, { group: 'g', blockMs: 50, subscriptions: { 'nowhere.events': {} } });
    consumer.start();
    try {
      await waitFor('the consumer to fail reading', () => logger.warn.mock.calls.some(([, message]) => message === 'stream consumer cannot read; retrying'), 10_000);
      await waitFor('the reader’s connection error logged', () => logger.warn.mock.calls.some(([, message]) => message === 'redis connection error; reconnecting'), 10_000);
      expect(unhandled()).toEqual([]);
    } finally {
      await consumer.stop();
    }
  });
});
