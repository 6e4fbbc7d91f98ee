import { resolve } from 'node:path';
import { ConfigError } from './config';
import { REPO_ROOT, ROUTER, servicePort, serviceUrl, storeUrl, subgraph, SUBGRAPHS } from './catalog';
import { storeKind } from './store/orm';

describe('catalog', () => {
  const ticket = subgraph('ticket'); // polyglot: postgresql
  const booking = subgraph('booking'); // polyglot: mysql
  const notification = subgraph('notification'); // polyglot: sqlite

  it('lists the subgraphs with distinct names and ports, and the polyglot profile uses all three kinds', () => {
    expect(new Set(SUBGRAPHS.map((s) => s.name)).size).toBe(SUBGRAPHS.length);
    expect(new Set([...SUBGRAPHS, ROUTER].map((s) => s.defaultPort)).size).toBe(SUBGRAPHS.length + 1);
    expect(new Set(SUBGRAPHS.map((s) => s.polyglotStore))).toEqual(new Set(['postgresql', 'mysql', 'sqlite']));
    expect(() => subgraph('nope')).toThrow('unknown subgraph nope');
  });

  it('finds the repository root', () => {
    expect(resolve(REPO_ROOT, 'packages', 'kernel', 'src')).toBe(__dirname);
  });

  describe('storeUrl', () => {
    it('defaults to an SQLite file per context under .data/ (STORES unset or sqlite)', () => {
      expect(storeUrl(ticket, {})).toBe(resolve(REPO_ROOT, '.data', 'ticket.sqlite'));
      expect(storeUrl(booking, { STORES: 'sqlite', DATA_DIR: '/tmp/d' })).toBe('/tmp/d/booking.sqlite');
      expect(storeKind(storeUrl(booking, { STORES: 'sqlite' }))).toBe('sqlite');
    });

    it('polyglot: a database named after the context on its polyglot server', () => {
      expect(storeUrl(ticket, { STORES: 'polyglot' })).toBe('postgresql://postgres@127.0.0.1:5432/ticket');
      expect(storeUrl(booking, { STORES: 'polyglot' })).toBe('mysql://root@127.0.0.1:3306/booking');
      expect(storeUrl(notification, { STORES: 'polyglot', DATA_DIR: '/tmp/d' })).toBe('/tmp/d/notification.sqlite');
      expect(storeUrl(ticket, { STORES: 'polyglot', PG_URL: 'postgres://u:p@db:5433/' })).toBe('postgres://u:p@db:5433/ticket');
      expect(storeUrl(booking, { STORES: 'polyglot', MYSQL_URL: 'mariadb://root@my:3307' })).toBe('mariadb://root@my:3307/booking');
      expect(storeKind(storeUrl(ticket, { STORES: 'polyglot' }))).toBe('postgresql');
      expect(storeKind(storeUrl(booking, { STORES: 'polyglot' }))).toBe('mysql');
    });

    it('<NAME>_DB_URL wins over the profile', () => {
      expect(storeUrl(ticket, { STORES: 'polyglot', TICKET_DB_URL: 'mysql://root@h/t' })).toBe('mysql://root@h/t');
      expect(storeUrl(booking, { BOOKING_DB_URL: '/var/b.sqlite' })).toBe('/var/b.sqlite');
      expect(storeUrl(booking, { TICKET_DB_URL: '/var/t.sqlite', DATA_DIR: '/tmp/d' })).toBe('/tmp/d/booking.sqlite');
    });

    it('rejects an unknown STORES profile with a ConfigError naming the variable and the value', () => {
      expect(() => storeUrl(ticket, { STORES: 'mongo' })).toThrow(ConfigError);
      expect(() => storeUrl(ticket, { STORES: 'mongo' })).toThrow('Invalid configuration:\n  STORES: expected sqlite or polyglot, received "mongo"');
    });
  });

  describe('servicePort / serviceUrl', () => {
    it('uses <NAME>_PORT, else the default', () => {
      expect(servicePort(ticket, {})).toBe(4001);
      expect(servicePort(ticket, { TICKET_PORT: '5001' })).toBe(5001);
      expect(servicePort(ticket, { TICKET_PORT: '0' })).toBe(0);
      expect(servicePort(ROUTER, { ROUTER_PORT: '8080' })).toBe(8080);
    });

    it.each(['abc', '4001x', '-1', '70000', '1.5'])('rejects a bad port (%s) naming the variable', (value) => {
      expect(() => servicePort(booking, { BOOKING_PORT: value })).toThrow(ConfigError);
      expect(() => servicePort(booking, { BOOKING_PORT: value })).toThrow(/BOOKING_PORT/);
    });

    it('builds the GraphQL URL from the port unless <NAME>_URL is set', () => {
      expect(serviceUrl(booking, {})).toBe('http://127.0.0.1:4002/graphql');
      expect(serviceUrl(booking, { BOOKING_PORT: '5002' })).toBe('http://127.0.0.1:5002/graphql');
      expect(serviceUrl(booking, { BOOKING_URL: 'http://booking:80/graphql' })).toBe('http://booking:80/graphql');
    });
  });
});
