import { join } from 'node:path';
import { REPO_ROOT } from '@supergraph/kernel';
import { displayHost, displayStore, maskPassword, readyBanner, storeLines } from './banner';
import { selectServices } from './env';

const PORTS = { ticket: 4001, booking: 4002, payment: 4003, notification: 4004, mypage: 4005, router: 4000 };
const SUBGRAPHS = selectServices(['ticket', 'booking', 'payment', 'notification', 'mypage']);

describe('storeLines', () => {
  it('describes the default profile: SQLite files under .data/', () => {
    const [profile, ...lines] = storeLines(SUBGRAPHS, {});
    expect(profile).toBe('STORES=sqlite: ticket+booking+payment+notification+mypage SQLite');
    expect(lines[0]).toBe('  ticket        .data/ticket.sqlite');
  });

  it('describes the polyglot profile by kind, with each store URL and a hidden password', () => {
    const [profile, ...lines] = storeLines(SUBGRAPHS, { STORES: 'polyglot', PG_URL: 'postgresql://app:secret@db:5432' });
    expect(profile).toBe('STORES=polyglot: ticket+payment PostgreSQL, booking MySQL/MariaDB, notification+mypage SQLite');
    expect(lines).toContain('  ticket        postgresql://app:***@db:5432/ticket');
    expect(lines).toContain('  booking       mysql://root@127.0.0.1:3306/booking');
  });

  it('shows a per-service store URL override', () => {
    const [, line] = storeLines(selectServices(['ticket']), { TICKET_DB_URL: '/elsewhere/t.sqlite' });
    expect(line).toBe('  ticket  /elsewhere/t.sqlite');
  });
});

describe('display helpers', () => {
  it('mask passwords, shorten repository paths and pick a browsable host', () => {
    expect(maskPassword('redis://:pw@127.0.0.1:6379')).toBe('redis://:***@127.0.0.1:6379');
    expect(maskPassword('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(displayStore(join(REPO_ROOT, '.data', 'x.sqlite'))).toBe(join('.data', 'x.sqlite'));
    expect(displayHost({})).toBe('localhost');
    expect(displayHost({ SERVICE_HOST: '0.0.0.0' })).toBe('localhost');
    expect(displayHost({ SERVICE_HOST: 'box.lan' })).toBe('box.lan');
  });
});

describe('readyBanner', () => {
  it('leads with the router and Apollo Sandbox URLs, then subgraphs, stores and Redis', () => {
    const lines = readyBanner({ services: selectServices(), ports: PORTS, env: {}, redisUrl: 'redis://127.0.0.1:6379', privateRedisDir: join(REPO_ROOT, '.data', 'redis'), elapsedMs: 4321 });
    expect(lines[0]).toBe('ready in 4.3 s (6 services)');
    expect(lines[1]).toBe('  GraphQL (router)  http://localhost:4000/graphql');
    expect(lines[2]).toBe('  Apollo Sandbox    http://localhost:4000/');
    expect(lines[3]).toMatch(/^  Bearer token      npm run token -- --sub alice --role customer/);
    expect(lines[4]).toContain('ticket http://localhost:4001/graphql, booking http://localhost:4002/graphql');
    expect(lines).toContain('  Redis             redis://127.0.0.1:6379 (private redis-server, data in .data/redis)');
  });

  it('leaves the router out when it was not started', () => {
    const lines = readyBanner({ services: selectServices(['ticket']), ports: { ...PORTS, router: 4100, ticket: 5001 }, env: {}, redisUrl: 'redis://x:1', elapsedMs: 900 });
    expect(lines[0]).toBe('ready in 0.9 s (1 service)');
    expect(lines.join('\n')).not.toContain('4100');
    expect(lines.join('\n')).not.toContain('npm run token');
    expect(lines).toContain('  Subgraphs         ticket http://localhost:5001/graphql');
  });
});
