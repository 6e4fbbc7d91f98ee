import { applyOverrides, connectHost, listenHost, portVariable, resolvePorts, selectServices, serviceEnv, STACK_SERVICES } from './env';
import { StackError } from './errors';

describe('selectServices', () => {
  it('defaults to every subgraph of the catalog, then the router', () => {
    expect(selectServices().map((s) => s.name)).toEqual(['ticket', 'booking', 'payment', 'notification', 'mypage', 'router']);
  });

  it('keeps catalog order whatever order the names come in', () => {
    expect(selectServices(['router', 'payment', 'ticket']).map((s) => s.name)).toEqual(['ticket', 'payment', 'router']);
  });

  it('names an unknown service', () => {
    expect(() => selectServices(['ticket', 'billing'])).toThrow(new StackError('unknown service billing (known: ticket, booking, payment, notification, mypage, router)'));
  });
});

describe('applyOverrides', () => {
  it('layers overrides on the inherited environment and removes those set to undefined', () => {
    const env = applyOverrides({ PATH: '/bin', STORES: 'sqlite', LOG_LEVEL: 'debug', EMPTY: undefined }, { STORES: 'polyglot', LOG_LEVEL: undefined, EVENTS_NAMESPACE: 't1:' });
    expect(env).toEqual({ PATH: '/bin', STORES: 'polyglot', EVENTS_NAMESPACE: 't1:' });
  });
});

describe('resolvePorts', () => {
  it('uses <NAME>_PORT when set and the catalog default otherwise', async () => {
    const ports = await resolvePorts({ BOOKING_PORT: '5002', ROUTER_PORT: '5000' });
    expect(ports).toEqual({ ticket: 4001, booking: 5002, payment: 4003, notification: 4004, mypage: 4005, router: 5000 });
  });

  it('asks the allocator for every port not set, never handing out one twice', async () => {
    const offers = [7001, 7001, 7002, 7003, 7003, 7004, 7005];
    const ports = await resolvePorts({ PAYMENT_PORT: '6003' }, async () => offers.shift()!);
    expect(ports).toEqual({ ticket: 7001, booking: 7002, payment: 6003, notification: 7003, mypage: 7004, router: 7005 });
  });

  it.each(['abc', '0', '70000', '40.5'])('names a malformed port variable (%s)', async (value) => {
    await expect(resolvePorts({ MYPAGE_PORT: value })).rejects.toThrow(`MYPAGE_PORT must be a port number (1-65535), got "${value}"`);
  });
});

describe('serviceEnv', () => {
  it('adds REDIS_URL and a port variable for every service of the catalog, over inherited ones', () => {
    const ports = Object.fromEntries(STACK_SERVICES.map((s, i) => [s.name, 9000 + i]));
    const env = serviceEnv({ PATH: '/bin', REDIS_URL: 'redis://elsewhere:1', TICKET_PORT: '1' }, { redisUrl: 'redis://127.0.0.1:7777', ports });
    expect(env).toMatchObject({ PATH: '/bin', REDIS_URL: 'redis://127.0.0.1:7777', TICKET_PORT: '9000', BOOKING_PORT: '9001', ROUTER_PORT: '9005' });
    expect(portVariable('notification')).toBe('NOTIFICATION_PORT');
  });
});

describe('connectHost / listenHost', () => {
  it('reaches the services on loopback unless SERVICE_HOST names an address', () => {
    expect(connectHost({})).toBe('127.0.0.1');
    expect(connectHost({ SERVICE_HOST: '0.0.0.0' })).toBe('127.0.0.1');
    expect(connectHost({ SERVICE_HOST: '::' })).toBe('[::1]');
    expect(connectHost({ SERVICE_HOST: '::1' })).toBe('[::1]');
    expect(connectHost({ SERVICE_HOST: '10.0.0.5' })).toBe('10.0.0.5');
    expect(listenHost({})).toBe('127.0.0.1');
    expect(listenHost({ SERVICE_HOST: '0.0.0.0' })).toBe('0.0.0.0');
  });
});
