import { parse } from 'graphql';
import { SpanKind } from '@opentelemetry/api';
import {
  ContextRuntime,
  createConsumer,
  InMemorySpanExporter,
  newId,
  openContext,
  ReadableSpan,
  RequestContext,
  RunningService,
  serveSubgraph,
  startTracing,
  SUBGRAPHS,
  Tracing,
} from '@supergraph/kernel';
import { freshStore, FreshStore, gql, redisNamespace, waitFor } from '@supergraph/testing';
import { Counter, CounterSchema } from '../../packages/kernel/test/fixtures';
import { startRouter } from '../src/main';

jest.setTimeout(30_000);

/**
 * A stand-in `ticket` subgraph served by the kernel (`serveSubgraph`) whose `ticket` query also
 * writes an event through the outbox (a test-only shortcut so one query covers every hop), consumed
 * by a consumer of the same context.
 */
const typeDefs = parse(`
  extend schema @link(url: "https://specs.apollo.dev/federation/v2.5", import: ["@key"])
  type Ticket @key(fields: "id") { id: ID! title: String! }
  type Query { ticket(id: ID!): Ticket }
`);

/** Router and subgraph in-process, tracing on with an in-memory exporter: one trace from the router's request to the consumer. */
describe('tracing through the router (in-process, in-memory exporter)', () => {
  const ns = redisNamespace();
  const exporter = new InMemorySpanExporter();
  let tracing: Tracing;
  let store: FreshStore;
  let runtime: ContextRuntime;
  let subgraph: RunningService;
  let router: RunningService;
  const processed: string[] = [];

  beforeAll(async () => {
    tracing = startTracing('router-test', {}, { exporter });
    store = await freshStore('sqlite', 'router_tracing');
    runtime = await openContext('ticket', { entities: [CounterSchema], env: { TICKET_DB_URL: store.url, EVENTS_NAMESPACE: ns.namespace, LOG_LEVEL: 'silent' } });
    const consumer = createConsumer(runtime, {
      group: 'traced',
      blockMs: 100,
      subscriptions: { [runtime.uow.stream]: { CounterOpened: async (event) => void processed.push(event.aggregateId) } },
    });
    subgraph = await serveSubgraph<RequestContext>(runtime, {
      typeDefs,
      resolvers: {
        Query: {
          ticket: async (_: unknown, { id }: { id: string }, ctx: RequestContext) => {
            await runtime.uow.run(ctx.em, ctx.meta, async (tx) => tx.persist(Counter.open(id, 'traced')));
            return { id, title: 'Traced' };
          },
        },
      },
      consumers: [consumer],
      port: 0,
      handleSignals: false,
    });
    const elsewhere = Object.fromEntries(SUBGRAPHS.map((s) => [`${s.name.toUpperCase()}_URL`, 'http://127.0.0.1:9/graphql']));
    router = await startRouter({ ...elsewhere, TICKET_URL: subgraph.url, LOG_LEVEL: 'silent' }, { port: 0, handleSignals: false });
  });
  afterAll(async () => {
    await router?.stop();
    await subgraph?.stop();
    await tracing?.shutdown();
    await ns.clear();
    await store?.drop();
  });

  const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;

  it('gateway.request → gateway.fetch → the subgraph operation → process <type>: one trace', async () => {
    const id = newId();
    const result = await gql(router.url, 'query Traced($id: ID!) { ticket(id: $id) { id title } }', { id });
    expect(result.errors).toBeUndefined();
    await waitFor('the event processed', () => processed.includes(id));
    const named = (name: string) => exporter.getFinishedSpans().find((s) => s.name === name);
    await waitFor('the consumer span', () => named('process CounterOpened'));
    await waitFor('the gateway request span', () => named('gateway.request'));

    const request = named('gateway.request')!;
    const traceId = request.spanContext().traceId;
    const inTrace = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    const fetch = inTrace.find((s) => s.name === 'gateway.fetch')!;
    const operation = inTrace.find((s) => s.kind === SpanKind.SERVER)!;
    const processing = inTrace.find((s) => s.name === 'process CounterOpened')!;

    expect(parentOf(request)).toBeUndefined();
    expect(fetch).toBeDefined();
    expect(operation.name).toMatch(/^query Traced__ticket__\d+$/); // the gateway's name for its fetch of `Traced`
    expect(operation.attributes['subgraph.name']).toBe('ticket');
    expect(parentOf(operation)).toBe(fetch.spanContext().spanId);
    expect(processing).toBeDefined();
    expect(parentOf(processing)).toBe(operation.spanContext().spanId);
  });

  it('continues a client trace sent in `traceparent`', async () => {
    const clientTrace = '0af7651916cd43dd8448eb211c80319c';
    const clientSpan = 'b7ad6b7169203331';
    const id = newId();
    await gql(router.url, 'query($id: ID!) { ticket(id: $id) { id } }', { id }, { traceparent: `00-${clientTrace}-${clientSpan}-01` });
    await waitFor('the event processed', () => processed.includes(id));
    await waitFor('the consumer span', () => exporter.getFinishedSpans().some((s) => s.name === 'process CounterOpened' && s.spanContext().traceId === clientTrace));
    const request = exporter.getFinishedSpans().find((s) => s.name === 'gateway.request' && s.spanContext().traceId === clientTrace)!;
    expect(parentOf(request)).toBe(clientSpan);
  });
});
