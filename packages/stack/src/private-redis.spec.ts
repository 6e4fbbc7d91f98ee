import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { StackError } from './errors';
import { findOnPath, redisAddress, tail, withLocalPort } from './private-redis';

describe('redisAddress', () => {
  it('reads host, port (6379 by default) and whether it is this machine', () => {
    expect(redisAddress('redis://127.0.0.1:6380')).toEqual({ host: '127.0.0.1', port: 6380, local: true });
    expect(redisAddress('redis://localhost')).toEqual({ host: 'localhost', port: 6379, local: true });
    expect(redisAddress('redis://[::1]:7000/2')).toEqual({ host: '::1', port: 7000, local: true });
    expect(redisAddress('rediss://user:pw@cache.example.com:6380')).toEqual({ host: 'cache.example.com', port: 6380, local: false });
  });

  it('refuses what is not a Redis URL', () => {
    expect(() => redisAddress('localhost:6379')).toThrow(StackError);
    expect(() => redisAddress('http://127.0.0.1:6379')).toThrow('REDIS_URL must start with redis:// or rediss://');
  });
});

describe('withLocalPort', () => {
  it('moves the URL to 127.0.0.1 and the new port, keeping credentials and database', () => {
    expect(withLocalPort('redis://:secret@localhost:6379/3', 41234)).toBe('redis://:secret@127.0.0.1:41234/3');
    expect(withLocalPort('redis://127.0.0.1:6379', 41234)).toBe('redis://127.0.0.1:41234');
  });
});

describe('findOnPath / tail', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'stack-path-'));
    for (const folder of ['a', 'b']) mkdirSync(join(dir, folder));
    writeFileSync(join(dir, 'a', 'redis-server'), 'not executable');
    writeFileSync(join(dir, 'b', 'redis-server'), '#!/bin/sh\n');
    chmodSync(join(dir, 'b', 'redis-server'), 0o755);
    writeFileSync(join(dir, 'log'), 'one\ntwo\nthree\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds the first executable of that name along PATH', () => {
    const PATH = ['', join(dir, 'a'), join(dir, 'b')].join(delimiter);
    expect(findOnPath('redis-server', { PATH })).toBe(join(dir, 'b', 'redis-server'));
    expect(findOnPath('redis-server', { PATH: join(dir, 'a') })).toBeUndefined();
    expect(findOnPath('redis-server', {})).toBeUndefined();
  });

  it('tail gives the last lines of a file, or nothing when it cannot be read', () => {
    expect(tail(join(dir, 'log'), 2)).toBe('two\nthree');
    expect(tail(join(dir, 'missing'), 2)).toBe('');
  });
});
