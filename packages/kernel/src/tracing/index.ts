/** OpenTelemetry tracing (`startTracing`) and the trace-context helpers the kernel and the router share. */
export * from './tracing';
export * from './messaging';
export * from './http';
/** For tests: collects finished spans in memory (`startTracing(name, env, { exporter })`). */
export { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
export type { ReadableSpan } from '@opentelemetry/sdk-trace-base';
