import { once } from 'node:events';
import { AddressInfo, connect, createServer, Server, Socket } from 'node:net';
import { tcpProxy, TcpProxy } from '../src/tcp-proxy';

/** tcpProxy against a local echo server: forwards bytes, cuts open connections, refuses while cut, lets through after restore. */
describe('tcpProxy', () => {
  let echo: Server;
  let proxy: TcpProxy;

  beforeEach(async () => {
    echo = createServer((socket) => socket.on('error', () => undefined).pipe(socket));
    echo.listen(0, '127.0.0.1');
    await once(echo, 'listening');
    proxy = await tcpProxy((echo.address() as AddressInfo).port);
  });

  afterEach(async () => {
    await proxy.close();
    echo.close();
  });

  const open = async (): Promise<Socket> => {
    const socket = connect(proxy.port, '127.0.0.1');
    await once(socket, 'connect');
    return socket;
  };
  const roundTrip = async (socket: Socket, text: string): Promise<string> => {
    socket.write(text);
    const [data] = await once(socket, 'data');
    return String(data);
  };
  const closed = (socket: Socket) => new Promise<void>((resolve) => (socket.destroyed ? resolve() : socket.once('close', () => resolve())));

  it('forwards bytes both ways', async () => {
    const socket = await open();
    expect(await roundTrip(socket, 'hello')).toBe('hello');
    expect(proxy.connections).toBe(1);
    socket.destroy();
  });

  it('cuts open connections and resets new ones until restored', async () => {
    const socket = await open();
    socket.on('error', () => undefined);
    expect(await roundTrip(socket, 'a')).toBe('a');
    proxy.cut();
    await closed(socket);
    expect(proxy.connections).toBe(0);

    const refused = connect(proxy.port, '127.0.0.1');
    refused.on('error', () => undefined);
    await closed(refused);
    expect(proxy.connections).toBe(0);

    proxy.restore();
    const again = await open();
    expect(await roundTrip(again, 'b')).toBe('b');
    again.destroy();
  });
});
