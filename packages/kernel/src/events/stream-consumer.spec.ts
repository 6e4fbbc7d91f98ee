import { hostname } from 'node:os';
import type { MikroORM } from '@mikro-orm/core';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { StreamConsumer } from './stream-consumer';
import type { UnitOfWork } from './unit-of-work';

/** A consumer over stand-ins: constructing one only duplicates the connection (nothing is read until `start`). */
function consumerWith(options: { consumer?: string } = {}) {
  const reader = { options: {}, on: jest.fn() };
  const redis = { duplicate: () => reader } as unknown as Redis;
  return { consumer: new StreamConsumer({} as MikroORM, redis, {} as UnitOfWork, {} as Logger, { group: 'notification', subscriptions: {}, ...options }), reader };
}

describe('StreamConsumer name in its group', () => {
  const saved = process.env.CONSUMER_NAME;
  afterEach(() => {
    if (saved === undefined) delete process.env.CONSUMER_NAME;
    else process.env.CONSUMER_NAME = saved;
  });

  it('defaults to <hostname>-<pid>, distinct across containers where every process is pid 1', () => {
    delete process.env.CONSUMER_NAME;
    expect(consumerWith().consumer.consumer).toBe(`${hostname()}-${process.pid}`);
  });

  it('takes CONSUMER_NAME when set (e.g. the pod name), and an explicit option over both', () => {
    process.env.CONSUMER_NAME = 'notification-7d9f-x2k';
    expect(consumerWith().consumer.consumer).toBe('notification-7d9f-x2k');
    expect(consumerWith({ consumer: 'replica-1' }).consumer.consumer).toBe('replica-1');
  });

  it('listens to its reader connection’s errors', () => {
    const { reader } = consumerWith();
    expect(reader.on).toHaveBeenCalledWith('error', expect.any(Function));
  });
});
