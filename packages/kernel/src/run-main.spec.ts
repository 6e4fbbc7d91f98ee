import type { Logger } from 'pino';
import { ConfigError } from './config';
import { runMain } from './run-main';

describe('runMain', () => {
  let exit: jest.SpyInstance;
  let stderr: jest.SpyInstance;
  const logger = { error: jest.fn(), debug: jest.fn() };

  beforeEach(() => {
    exit = jest.spyOn(process, 'exit').mockImplementation(((code?: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    stderr = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
    logger.error.mockClear();
    logger.debug.mockClear();
  });
  afterEach(() => {
    exit.mockRestore();
    stderr.mockRestore();
  });

  it('runs the entry point and leaves the process alone when it starts', async () => {
    const start = jest.fn(async () => ({ url: 'http://127.0.0.1:1/graphql' }));
    await runMain(start, 'ticket', { logger: logger as unknown as Logger });
    expect(start).toHaveBeenCalledTimes(1);
    expect(exit).not.toHaveBeenCalled();
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('a ConfigError: one stderr line naming the variable, no stack, exit status 1', async () => {
    const bad = new ConfigError('Invalid configuration:\n  ROUTER_PORT: expected a port number 0-65535, received "abc"');
    await expect(runMain(() => Promise.reject(bad), 'router', { logger: logger as unknown as Logger })).rejects.toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(stderr.mock.calls.map(([chunk]) => String(chunk))).toEqual(['Invalid configuration: ROUTER_PORT: expected a port number 0-65535, received "abc"\n']);
    expect(logger.error).not.toHaveBeenCalled();
  });

  it('any other failure: one error line with the message, the stack only at debug, exit status 1', async () => {
    const failure = new Error('connect ECONNREFUSED 127.0.0.1:5432');
    await expect(runMain(() => Promise.reject(failure), 'payment', { logger: logger as unknown as Logger })).rejects.toThrow('exit 1');
    expect(exit).toHaveBeenCalledWith(1);
    expect(logger.error).toHaveBeenCalledTimes(1);
    expect(logger.error).toHaveBeenCalledWith('payment could not start: connect ECONNREFUSED 127.0.0.1:5432');
    expect(logger.debug).toHaveBeenCalledWith({ err: failure }, 'payment startup failure');
    expect(stderr).not.toHaveBeenCalled();
  });

  it('a failure that is not an Error is named too', async () => {
    await expect(runMain(() => Promise.reject('no port'), 'mypage', { logger: logger as unknown as Logger })).rejects.toThrow('exit 1');
    expect(logger.error).toHaveBeenCalledWith('mypage could not start: no port');
  });
});
