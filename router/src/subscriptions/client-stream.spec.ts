import { ClientStream } from './client-stream';

describe('ClientStream (one client subscription, bounded)', () => {
  const result = (n: number) => ({ data: { n } });

  it('hands results over in order, to a waiting reader first', async () => {
    const stream = new ClientStream(10, jest.fn(), jest.fn());
    const pending = stream.next();
    stream.push(result(1));
    stream.push(result(2));
    expect(await pending).toEqual({ value: result(1), done: false });
    expect(await stream.next()).toEqual({ value: result(2), done: false });
  });

  it('overflows past its bound: calls onOverflow once, drops what it held, unsubscribes and ends', async () => {
    const onOverflow = jest.fn();
    const onReturn = jest.fn();
    const stream = new ClientStream(2, onOverflow, onReturn);
    stream.push(result(1));
    stream.push(result(2));
    expect(onOverflow).not.toHaveBeenCalled();
    stream.push(result(3));
    stream.push(result(4));
    expect(onOverflow).toHaveBeenCalledTimes(1);
    expect(onReturn).toHaveBeenCalledTimes(1);
    expect(stream.queued).toBe(0);
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('return() ends a pending next() at once and unsubscribes once', async () => {
    const onReturn = jest.fn();
    const stream = new ClientStream(10, jest.fn(), onReturn);
    const pending = stream.next();
    await stream.return();
    await stream.return();
    expect(await pending).toEqual({ value: undefined, done: true });
    expect(onReturn).toHaveBeenCalledTimes(1);
    stream.push(result(1));
    expect(await stream.next()).toEqual({ value: undefined, done: true });
  });

  it('end() delivers what is queued and the last result, then completes without unsubscribing again', async () => {
    const onReturn = jest.fn();
    const stream = new ClientStream(10, jest.fn(), onReturn);
    stream.push(result(1));
    stream.end({ errors: [] });
    const seen = [];
    for await (const value of stream) seen.push(value);
    expect(seen).toEqual([result(1), { errors: [] }]);
    expect(onReturn).not.toHaveBeenCalled();
  });
});
