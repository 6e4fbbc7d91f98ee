import { z } from 'zod';
import { captureExit } from '@supergraph/testing';
import { DEV_ROUTER_CREDENTIAL_SECRET, DEV_SERVICE_CREDENTIAL_SECRET } from './auth/internal-credential';
import { baseConfigShape, ConfigError, contextConfigShape, exitOnConfigError, intVar, loadConfig, parseConfig } from './config';

describe('parseConfig', () => {
  it('applies the documented defaults to an empty environment', () => {
    const config = parseConfig(contextConfigShape, {});
    expect(config).toEqual({
      REDIS_URL: 'redis://127.0.0.1:6379',
      EVENTS_NAMESPACE: '',
      LOG_LEVEL: 'info',
      NODE_ENV: 'development',
      SERVICE_HOST: '127.0.0.1',
      SHUTDOWN_DELAY_MS: 0,
      CONSUMER_CLAIM_IDLE_MS: 30_000,
      CONSUMER_MAX_DELIVERIES: 5,
      OUTBOX_RETENTION_MS: 86_400_000,
      STREAM_RETENTION_MS: 86_400_000,
      INBOX_RETENTION_MS: 604_800_000,
      HOUSEKEEPING_INTERVAL_MS: 300_000,
      ROUTER_CREDENTIAL_SECRET: DEV_ROUTER_CREDENTIAL_SECRET,
      SERVICE_CREDENTIAL_SECRET: DEV_SERVICE_CREDENTIAL_SECRET,
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
    ['SHUTDOWN_DELAY_MS', { SHUTDOWN_DELAY_MS: '-1' }],
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
    expect(Object.keys(baseConfigShape).sort()).toEqual([
      'CONSUMER_CLAIM_IDLE_MS', 'CONSUMER_MAX_DELIVERIES', 'CONSUMER_NAME', 'EVENTS_NAMESPACE', 'HOUSEKEEPING_INTERVAL_MS', 'INBOX_RETENTION_MS', 'LOG_LEVEL',
      'NODE_ENV', 'OUTBOX_RETENTION_MS', 'REDIS_URL', 'ROUTER_CREDENTIAL_SECRET', 'SERVICE_HOST', 'SHUTDOWN_DELAY_MS', 'STREAM_RETENTION_MS',
    ]);
  });

  it('refuses the development credential secrets in production, and secrets under 32 characters anywhere', () => {
    expect(() => parseConfig(contextConfigShape, { NODE_ENV: 'production' })).toThrow(/ROUTER_CREDENTIAL_SECRET: must be set[\s\S]*SERVICE_CREDENTIAL_SECRET: must be set/);
    const own = { ROUTER_CREDENTIAL_SECRET: 'r'.repeat(32), SERVICE_CREDENTIAL_SECRET: 's'.repeat(40) };
    expect(parseConfig(contextConfigShape, { NODE_ENV: 'production', ...own })).toMatchObject(own);
    expect(() => parseConfig({}, { ROUTER_CREDENTIAL_SECRET: 'short' })).toThrow(/ROUTER_CREDENTIAL_SECRET/);
  });

  it('refuses the CHANGE-ME placeholders of the k8s Secret in production only', () => {
    const placeholders = { ROUTER_CREDENTIAL_SECRET: 'CHANGE-ME-router-credential-secret-placeholder-0001', SERVICE_CREDENTIAL_SECRET: 'change-me-service-credential-secret-placeholder-0002' };
    expect(() => parseConfig(contextConfigShape, { NODE_ENV: 'production', ...placeholders })).toThrow(/ROUTER_CREDENTIAL_SECRET: is a CHANGE-ME placeholder[\s\S]*SERVICE_CREDENTIAL_SECRET: is a CHANGE-ME placeholder/);
    expect(parseConfig(contextConfigShape, placeholders)).toMatchObject(placeholders);
    expect(parseConfig(contextConfigShape, { NODE_ENV: 'production', ROUTER_CREDENTIAL_SECRET: 'r'.repeat(32), SERVICE_CREDENTIAL_SECRET: 'a-secret-that-mentions-CHANGE-ME-later-0002' }).SERVICE_CREDENTIAL_SECRET).toMatch(/^a-secret/);
  });

  it('needs no SERVICE_CREDENTIAL_SECRET outside a context: the router starts in production with its own key alone', () => {
    const routerOnly = parseConfig({}, { NODE_ENV: 'production', ROUTER_CREDENTIAL_SECRET: 'r'.repeat(32) });
    expect(routerOnly).not.toHaveProperty('SERVICE_CREDENTIAL_SECRET');
  });

  it('reads SHUTDOWN_DELAY_MS as whole milliseconds', () => {
    expect(parseConfig({}, { SHUTDOWN_DELAY_MS: '5000' }).SHUTDOWN_DELAY_MS).toBe(5000);
  });

  it('reads the consumer tuning (claim idle time, deliveries before dead-lettering) and refuses non-positive values', () => {
    expect(parseConfig({}, { CONSUMER_CLAIM_IDLE_MS: '2000', CONSUMER_MAX_DELIVERIES: '3' })).toMatchObject({ CONSUMER_CLAIM_IDLE_MS: 2000, CONSUMER_MAX_DELIVERIES: 3 });
    expect(() => parseConfig({}, { CONSUMER_MAX_DELIVERIES: '0' })).toThrow(/CONSUMER_MAX_DELIVERIES/);
  });

  it('reads the retentions and the housekeeping interval in ms and refuses non-positive values', () => {
    const env = { OUTBOX_RETENTION_MS: '3600000', STREAM_RETENTION_MS: '7200000', INBOX_RETENTION_MS: '86400000', HOUSEKEEPING_INTERVAL_MS: '60000' };
    expect(parseConfig({}, env)).toMatchObject({ OUTBOX_RETENTION_MS: 3_600_000, STREAM_RETENTION_MS: 7_200_000, INBOX_RETENTION_MS: 86_400_000, HOUSEKEEPING_INTERVAL_MS: 60_000 });
    expect(() => parseConfig({}, { OUTBOX_RETENTION_MS: '0' })).toThrow(/OUTBOX_RETENTION_MS/);
  });

  it('refuses an INBOX_RETENTION_MS not longer than STREAM_RETENTION_MS or CONSUMER_CLAIM_IDLE_MS (a redelivery would be applied twice)', () => {
    expect(() => parseConfig({}, { INBOX_RETENTION_MS: '86400000' })).toThrow(/INBOX_RETENTION_MS: must be longer than STREAM_RETENTION_MS/);
    expect(() => parseConfig({}, { INBOX_RETENTION_MS: '60000', STREAM_RETENTION_MS: '1000', CONSUMER_CLAIM_IDLE_MS: '60000' })).toThrow(/INBOX_RETENTION_MS/);
    expect(parseConfig({}, { INBOX_RETENTION_MS: '60001', STREAM_RETENTION_MS: '60000' }).INBOX_RETENTION_MS).toBe(60_001);
  });

  it('reads CONSUMER_NAME when set (the replica name in consumer groups)', () => {
    expect(parseConfig({}, { CONSUMER_NAME: 'notification-7d9f-x2k' }).CONSUMER_NAME).toBe('notification-7d9f-x2k');
    expect(parseConfig({}, {}).CONSUMER_NAME).toBeUndefined();
  });
});

describe('loadConfig', () => {
  it('prints one line naming the bad variables and exits with status 1 on bad configuration', async () => {
    const { exitCode, stderr: written } = await captureExit(() => loadConfig({ LIMIT: intVar(1) }, { LOG_LEVEL: 'loud', LIMIT: 'x' }));
    expect(exitCode).toBe(1);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatch(/^Invalid configuration: LOG_LEVEL: .+; LIMIT: .+\n$/);
    expect(written[0].trimEnd()).not.toContain('\n');
  });

  it('returns the config when it is valid', () => {
    expect(loadConfig({}, { LOG_LEVEL: 'warn' }).LOG_LEVEL).toBe('warn');
  });
});

describe('exitOnConfigError', () => {
  it('returns what the read returns', () => {
    expect(exitOnConfigError(() => 42)).toBe(42);
  });

  it('prints a ConfigError thrown by the read on one line, without a stack, and exits with status 1', async () => {
    const { exitCode, stderr: written } = await captureExit(() =>
      exitOnConfigError(() => {
        throw new ConfigError('Invalid configuration:\n  TICKET_PORT: expected a port number 0-65535, received "abc"');
      }),
    );
    expect(exitCode).toBe(1);
    expect(written).toEqual(['Invalid configuration: TICKET_PORT: expected a port number 0-65535, received "abc"\n']);
  });

  it('prints a one-line message as it is', async () => {
    const { exitCode, stderr: written } = await captureExit(() =>
      exitOnConfigError(() => {
        throw new ConfigError('PORT is bad');
      }),
    );
    expect(exitCode).toBe(1);
    expect(written).toEqual(['PORT is bad\n']);
  });

  it('rethrows anything else', () => {
    expect(() =>
      exitOnConfigError(() => {
        throw new Error('boom');
      }),
    ).toThrow('boom');
  });
});
