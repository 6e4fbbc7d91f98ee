import { LibSqlDriver } from '@mikro-orm/libsql';
import { MySqlDriver } from '@mikro-orm/mysql';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { OutboxMessageSchema } from '../events/outbox-message';
import { ProcessedEventSchema } from '../events/processed-event';
import { sqlitePath, storeKind, storeOptions } from './orm';

describe('storeKind', () => {
  it.each([
    ['postgresql://postgres@127.0.0.1:5432/ticket', 'postgresql'],
    ['postgres://u:p@db/ticket', 'postgresql'],
    ['mysql://root@127.0.0.1:3306/booking', 'mysql'],
    ['mariadb://root@db/booking', 'mysql'],
    ['/abs/path/ticket.sqlite', 'sqlite'],
    ['.data/ticket.sqlite', 'sqlite'],
    ['sqlite:.data/t.sqlite', 'sqlite'],
    ['file:///tmp/t.sqlite', 'sqlite'],
    [':memory:', 'sqlite'],
  ])('%s is %s', (url, kind) => {
    expect(storeKind(url)).toBe(kind);
  });
});

describe('sqlitePath', () => {
  it.each([
    ['sqlite:.data/t.sqlite', '.data/t.sqlite'],
    ['sqlite:///tmp/t.sqlite', '/tmp/t.sqlite'],
    ['file:/tmp/t.sqlite', '/tmp/t.sqlite'],
    ['/tmp/t.sqlite', '/tmp/t.sqlite'],
    [':memory:', ':memory:'],
  ])('%s → %s', (url, path) => {
    expect(sqlitePath(url)).toBe(path);
  });
});

describe('storeOptions', () => {
  it('picks the driver by URL and always adds the outbox and inbox tables', () => {
    const pg = storeOptions({ context: 'ticket', url: 'postgresql://postgres@127.0.0.1:5432/ticket', entities: [] });
    expect(pg.driver).toBe(PostgreSqlDriver);
    expect(pg.clientUrl).toBe('postgresql://postgres@127.0.0.1:5432/ticket');
    expect(pg.contextName).toBe('ticket');
    expect(pg.entities).toEqual([OutboxMessageSchema, ProcessedEventSchema]);
    expect(pg.allowGlobalContext).toBe(false);

    const my = storeOptions({ context: 'booking', url: 'mariadb://root@127.0.0.1:3306/booking', entities: [] });
    expect(my.driver).toBe(MySqlDriver);
    expect(my.clientUrl).toBe('mysql://root@127.0.0.1:3306/booking');

    const lite = storeOptions({ context: 'mypage', url: ':memory:', entities: [] });
    expect(lite.driver).toBe(LibSqlDriver);
    expect(lite.dbName).toBe(':memory:');
  });
});
