import { z } from 'zod';
import { baseConfigShape, ConfigError, intVar, loadConfig, parseConfig } from './config';

describe('parseConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = parseConfig({}, {});
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      EVENTS_NAMESPACE: '',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      SERVICE_HOST: '127.0.0.1',
    });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it('reads the base variables and the context shape, ignoring unrelated variables', () => {
    const config = parseConfig(
      { TICKET_LIMIT: intVar(10), GREETING: z.string().default('hi') },
      { REDIS_URL: 'redis://cache:6380', EVENTS_NAMESPACE: 't1:', LOG_LEVEL: 'silent', NODE_ENV: 'test', TICKET_LIMIT: '25', PATH: '/usr/bin' },
    );
    expect(config).toMatchObject({ REDIS_URL: 'redis://cache:6380', EVENTS_NAMESPACE: 't1:', LOG_LEVEL: 'silent', NODE_ENV: 'test', TICKET_LIMIT: 25, GREETING: 'hi' });
    expect(config).not.toHaveProperty('PATH');
  });

  it.each([
    ['REDIS_URL', { REDIS_URL: 'not a url' }],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }],
    ['NODE_ENV', { NODE_ENV: 'staging' }],
    ['EVENTS_NAMESPACE', { EVENTS_NAMESPACE: 'has space' }],
  ])('names the bad base variable %s', (name, env) => {
    expect(() => parseConfig({}, env)).toThrow(ConfigError);
    expect(() => parseConfig({}, env)).toThrow(new RegExp(`^Invalid configuration:\\n  ${name}: `));
  });

  it.each(['abc', '0', '-3', '1.5'])('names a context variable that is not a positive integer (%s)', (value) => {
    expect(() => parseConfig({ BOOKING_HOLD_MS: intVar(1000) }, { BOOKING_HOLD_MS: value })).toThrow(/BOOKING_HOLD_MS: /);
  });

  it('names every bad variable at once, and only those', () => {
    let message = '';
    try {
      parseConfig({ LIMIT: intVar(1) }, { LOG_LEVEL: 'loud', LIMIT: 'x', REDIS_URL: 'redis://ok:1' });
    } catch (error) {
      expect(error).toBeInstanceOf(ConfigError);
      message = (error as Error).message;
    }
    expect(message).toMatch(/LOG_LEVEL: /);
    expect(message).toMatch(/LIMIT: /);
    expect(message).not.toMatch(/REDIS_URL/);
  });

  it('exposes the base shape so contexts can extend it', () => {
    expect(Object.keys(baseConfigShape).sort()).toEqual(['EVENTS_NAMESPACE', 'LOG_LEVEL', 'NODE_ENV', 'REDIS_URL', 'SERVICE_HOST']);
  });
});

describe('loadConfig', () => {
  it('prints the message and exits with status 1 on bad configuration', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      expect(() => loadConfig({}, { LOG_LEVEL: 'loud' })).toThrow('exit 1');
      expect(String(write.mock.calls[0][0])).toMatch(/LOG_LEVEL: /);
    } finally {
      exit.mockRestore();
      write.mockRestore();
    }
  });

  it('returns the config when it is valid', () => {
    expect(loadConfig({}, { LOG_LEVEL: 'warn' }).LOG_LEVEL).toBe('warn');
  });
});
