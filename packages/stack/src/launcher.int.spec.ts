import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer, Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asRouter, gqlData, organizer, processAlive, redisNamespace, REDIS_URL, waitFor } from '@supergraph/testing';
import { probe } from './health';
import { StackHandle, startStack } from './launcher';
import { memorySink } from './log-lines';
import { freePort } from './net';

/** Pids of this process's children running `entry` (Linux /proc): proof that nothing was left behind. */
function childrenRunning(entry: string): number[] {
  return readdirSync('/proc')
    .filter((name) => /^\d+$/.test(name))
    .filter((pid) => {
      try {
        const ppid = Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
        return ppid === process.pid && readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(entry);
      } catch {
        return false;
      }
    })
    .map(Number);
}

const TICKET_ENTRY = 'subgraphs/ticketing/ticket/dist/main.js';
const REGISTER = 'mutation($input: RegisterTicketInput!) { registerTicket(input: $input) { id title } }';
/** The subgraph is called directly, as the router forwards a request of this organizer (its router credential). */
const asOrganizer = () => asRouter(organizer('org-launcher'));

/** The launcher running the real ticket subgraph (built dist/) on a fresh SQLite folder and a Redis namespace. */
describe('startStack (ticket subgraph as a real process)', () => {
  const ns = redisNamespace();
  const logs = memorySink();
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-int-'));
  let stack: StackHandle | undefined;

  beforeAll(async () => {
    stack = await startStack({
      services: ['ticket'],
      freePorts: true,
      log: logs.sink,
      startRedis: false,
      readyTimeoutMs: 30_000,
      env: { DATA_DIR: dataDir, STORES: 'sqlite', TICKET_DB_URL: undefined, TICKET_PORT: undefined, REDIS_URL, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'info' },
    });
  }, 40_000);

  afterAll(async () => {
    await stack?.stopAll();
    await ns.clear();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  it('runs the service as its own process on a free port, ready and answering GraphQL', async () => {
    const pid = stack!.pid('ticket')!;
    expect(pid).toBeGreaterThan(0);
    expect(childrenRunning(TICKET_ENTRY)).toEqual([pid]);
    expect(stack!.url('ticket')).toBe(`http://127.0.0.1:${stack!.ports.ticket}/graphql`);
    expect(stack!.env).toMatchObject({ TICKET_PORT: String(stack!.ports.ticket), REDIS_URL, EVENTS_NAMESPACE: ns.namespace });
    const data = await gqlData(stack!.url('ticket'), REGISTER, { input: { title: 'Launcher Night', venue: 'Hall', price: 1000, seats: 5, organizerId: 'org-launcher' } }, await asOrganizer());
    expect(data.registerTicket.title).toBe('Launcher Night');
    expect(logs.lines.some((line) => line.service === 'ticket' && line.stream === 'stdout' && line.text.includes('ticket subgraph ready'))).toBe(true);
    expect(stack!.logs('ticket').join('\n')).toContain('ticket subgraph ready');
  });

  it('stop() ends that process for good and start() brings it back with its data', async () => {
    const { registerTicket } = await gqlData(stack!.url('ticket'), REGISTER, { input: { title: 'Survives Restart', venue: 'Hall', price: 1000, seats: 5, organizerId: 'org-launcher' } }, await asOrganizer());
    const pid = stack!.pid('ticket')!;
    await stack!.stop('ticket');
    expect(processAlive(pid)).toBe(false);
    expect(stack!.pid('ticket')).toBeUndefined();
    expect((await probe(stack!.healthUrl('ticket'))).detail).toBe('connection refused');
    expect(logs.lines.filter((line) => line.service === 'ticket' && line.stream === 'stack').map((line) => line.text)).toContainEqual(expect.stringMatching(/^stopped \(/));

    await stack!.start('ticket');
    expect(stack!.pid('ticket')).not.toBe(pid);
    const data = await gqlData(stack!.url('ticket'), 'query($id: ID!) { ticket(id: $id) { title } }', { id: registerTicket.id }, await asRouter(null));
    expect(data.ticket.title).toBe('Survives Restart');
  }, 40_000);

  it('restarts a process that crashes, after a 1 s backoff, like a liveness probe', async () => {
    const pid = stack!.pid('ticket')!;
    process.kill(pid, 'SIGKILL');
    const restarted = await waitFor('ticket restarted and ready', async () => {
      const now = stack!.pid('ticket');
      return now !== undefined && now !== pid && (await probe(stack!.healthUrl('ticket'))).ready ? now : undefined;
    }, 20_000, 100);
    expect(childrenRunning(TICKET_ENTRY)).toEqual([restarted]);
    const notes = logs.lines.filter((line) => line.service === 'ticket' && line.stream === 'stack').map((line) => line.text);
    expect(notes).toContain('exited unexpectedly (signal SIGKILL); restarting in 1 s (crash 1 in a row)');
    await waitFor('the recovery note', () => logs.lines.some((line) => line.text === 'ready again after restart'), 5_000);
  }, 30_000);

  it('stopAll() leaves no process behind', async () => {
    const pid = stack!.pid('ticket')!;
    await stack!.stopAll();
    expect(processAlive(pid)).toBe(false);
    expect(childrenRunning(TICKET_ENTRY)).toEqual([]);
    await expect(stack!.start('ticket')).rejects.toThrow('the stack is stopping');
  }, 30_000);
});

describe('startStack failures', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'stack-int-fail-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names the service that did not become ready with its last output, and leaves nothing running', async () => {
    const logs = memorySink();
    const started = startStack({
      services: ['ticket'],
      freePorts: true,
      log: logs.sink,
      startRedis: false,
      readyTimeoutMs: 4_000,
      env: { DATA_DIR: dataDir, REDIS_URL, TICKET_PORT: undefined, TICKET_DB_URL: 'postgresql://postgres@127.0.0.1:1/nowhere', LOG_LEVEL: 'info' },
    });
    const error: Error = await started.then(() => new Error('started anyway'), (reason: Error) => reason);
    expect(error.name).toBe('StackError');
    expect(error.message).toMatch(/^ticket did not become ready within 4 s \(GET http:\/\/127\.0\.0\.1:\d+\/health\/ready: connection refused; exited \d+ times?, last with code 1\)\. Its last output:\n/);
    expect(error.message).toContain('ECONNREFUSED');
    expect(childrenRunning(TICKET_ENTRY)).toEqual([]);
  }, 20_000);

  it('refuses a port already in use, naming the service and the variable, before starting anything', async () => {
    const port = await freePort();
    const server: Server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await expect(startStack({ services: ['ticket'], log: memorySink().sink, startRedis: false, env: { TICKET_PORT: String(port), REDIS_URL } })).rejects.toThrow(
        `port ${port} of ticket is already in use (is the stack already running?): stop that process or set TICKET_PORT`,
      );
      expect(childrenRunning(TICKET_ENTRY)).toEqual([]);
    } finally {
      server.close();
    }
  });

  it('refuses an unknown store profile', async () => {
    await expect(startStack({ services: ['ticket'], log: memorySink().sink, env: { STORES: 'mongo' } })).rejects.toThrow('STORES must be sqlite or polyglot, got "mongo"');
  });
});
