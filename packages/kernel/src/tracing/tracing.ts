import { context, Context, propagation, Span, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BasicTracerProvider, BatchSpanProcessor, SimpleSpanProcessor, SpanExporter } from '@opentelemetry/sdk-trace-base';
import { ATTR_SERVICE_NAME } from '@opentelemetry/semantic-conventions';

/** The instrumentation scope of every span the kernel (and the router) creates. */
export const TRACER_NAME = '@supergraph/kernel';

/** The tracer the kernel's spans come from: a no-op until `startTracing` registered a provider. */
export function tracer() {
  return trace.getTracer(TRACER_NAME);
}

/** What `startTracing` returns; `shutdown()` flushes the spans still buffered (idempotent). */
export interface Tracing {
  /** False when tracing is off (no `OTEL_EXPORTER_OTLP_ENDPOINT`): every span is a no-op. */
  readonly enabled: boolean;
  shutdown(): Promise<void>;
}

/** Options for tests: an exporter of their own (e.g. `InMemorySpanExporter`), exported span by span. */
export interface TracingOptions {
  exporter?: SpanExporter;
}

const OFF: Tracing = { enabled: false, shutdown: async () => undefined };

/** The provider of this process, shared by every `startTracing` call; shut down when the last user shut it down. */
let active: { provider: BasicTracerProvider; users: number } | undefined;

/**
 * Starts OpenTelemetry tracing for this process (ARCHITECTURE.md "Events"; W3C Trace Context,
 * https://www.w3.org/TR/trace-context/) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set in `env`
 * (e.g. `http://otel-collector:4318`; spans go to `<endpoint>/v1/traces`, or to
 * `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, over OTLP/HTTP with JSON bodies, batched;
 * `OTEL_EXPORTER_OTLP_HEADERS` and the other standard OTLP exporter variables of the process
 * environment apply; `OTEL_SDK_DISABLED=true` turns it off again). Registers, process-wide:
 * a tracer provider whose resource says `service.name` = `serviceName` (`OTEL_SERVICE_NAME`
 * overrides it), the AsyncLocalStorage context manager and the W3C `traceparent` propagator, so
 * `@apollo/gateway`'s own spans (`gateway.request`, `gateway.plan`, `gateway.fetch`, …) and the
 * kernel's join one trace per request. Without the variable nothing is registered: every span of
 * `@opentelemetry/api` is a no-op and no `traceparent` is written or read.
 *
 * One provider per process: a second call (several services in one test process) shares the first
 * provider and its `service.name`; the provider shuts down with the last `shutdown()`.
 * `options.exporter` (tests) turns tracing on whatever `env` says, exporting each span at its end.
 */
export function startTracing(serviceName: string, env: NodeJS.ProcessEnv = process.env, options: TracingOptions = {}): Tracing {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  if (!options.exporter && (!endpoint || env.OTEL_SDK_DISABLED === 'true')) return OFF;
  if (!active) {
    const processor = options.exporter ? new SimpleSpanProcessor(options.exporter) : new BatchSpanProcessor(new OTLPTraceExporter({ url: tracesUrl(env) }));
    const provider = new BasicTracerProvider({
      resource: resourceFromAttributes({ [ATTR_SERVICE_NAME]: env.OTEL_SERVICE_NAME || serviceName }),
      spanProcessors: [processor],
    });
    const contextManager = new AsyncLocalStorageContextManager().enable();
    context.setGlobalContextManager(contextManager);
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
    trace.setGlobalTracerProvider(provider);
    active = { provider, users: 0 };
  }
  const current = active;
  current.users += 1;
  let done = false;
  return {
    enabled: true,
    async shutdown() {
      if (done) return;
      done = true;
      current.users -= 1;
      if (current.users > 0 || active !== current) return;
      active = undefined;
      await current.provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}

/** True while a provider registered by `startTracing` is active in this process. */
export function tracingStarted(): boolean {
  return active !== undefined;
}

/** `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` as is, else `<OTEL_EXPORTER_OTLP_ENDPOINT>/v1/traces` (OTLP/HTTP). */
function tracesUrl(env: NodeJS.ProcessEnv): string {
  return env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || `${(env.OTEL_EXPORTER_OTLP_ENDPOINT ?? '').replace(/\/+$/, '')}/v1/traces`;
}

/** A W3C `traceparent` carrier: what travels in HTTP headers and in `EventEnvelope.traceparent`. */
type Carrier = Record<string, string>;

/** The context a `traceparent` (from an envelope or a header) continues; the active one when absent. */
export function contextOf(traceparent: string | undefined, base: Context = context.active()): Context {
  if (!traceparent) return base;
  return propagation.extract(base, { traceparent } satisfies Carrier);
}

/**
 * The active context's trace headers as an object (outgoing HTTP requests; `traceparent` also
 * goes into `EventEnvelope.traceparent`), e.g. `{ traceparent: '00-<32 hex trace id>-<16 hex span
 * id>-01' }`; empty while tracing is off or no span is active.
 */
export function traceHeaders(): Carrier {
  const headers: Carrier = {};
  propagation.inject(context.active(), headers);
  return headers;
}

/** The context continued by an incoming request's headers (`traceparent`, `tracestate`). */
export function extractTraceHeaders(get: (name: string) => string | string[] | undefined, base: Context = context.active()): Context {
  return propagation.extract(base, undefined, {
    get: (_carrier, name) => get(name),
    keys: () => ['traceparent', 'tracestate'],
  });
}

/**
 * Runs `work` inside a new span `name` (child of `parent`, default the active context) made the
 * active one, so spans and envelopes created inside continue it. A thrown error is recorded on the
 * span (status ERROR) and rethrown; the span ends when `work` settles.
 */
export async function inSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Record<string, string | number | boolean>; parent?: Context },
  work: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => work(span));
  } catch (error) {
    span.recordException(error as Error);
    span.setStatus({ code: SpanStatusCode.ERROR, message: error instanceof Error ? error.message : String(error) });
    throw error;
  } finally {
    span.end();
  }
}
