import type { ApolloServerPlugin } from '@apollo/server';
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { extractTraceHeaders, tracer, tracingStarted } from './tracing';

/**
 * Express middleware for a subgraph's `/graphql` (after the body parser): a SERVER span per HTTP
 * operation, child of the caller's `traceparent` header (the router's `gateway.fetch` span; a root
 * span without one), made the active context for the whole request, so the command's unit of work
 * stamps it into the envelopes it writes. Named `graphql` until `operationSpanPlugin` knows the
 * operation (`mutation`, `query <name>`); attributes `subgraph.name`, `http.request.method`,
 * `http.response.status_code` (status ERROR from 500 on). Does nothing while tracing is off.
 */
export function serverSpanMiddleware(subgraphName: string): RequestHandler {
  return (req, res, next) => {
    if (!tracingStarted()) return next();
    const parent = extractTraceHeaders((name) => req.headers[name], ROOT_CONTEXT);
    const span = tracer().startSpan('graphql', { kind: SpanKind.SERVER, attributes: { 'subgraph.name': subgraphName, 'http.request.method': req.method } }, parent);
    res.once('close', () => {
      span.setAttribute('http.response.status_code', res.statusCode);
      if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}

/**
 * Names the active SERVER span after the operation once Apollo resolved it (OpenTelemetry GraphQL
 * conventions: `<graphql.operation.type> <graphql.operation.name>`, e.g. `mutation bookTicket`,
 * or the type alone for an anonymous one) and marks it ERROR when the response carries errors.
 */
export const operationSpanPlugin: ApolloServerPlugin<any> = {
  async requestDidStart() {
    const span = trace.getActiveSpan();
    if (!span?.isRecording()) return;
    return {
      async didResolveOperation({ operation, operationName }) {
        if (!operation) return;
        span.updateName(operationName ? `${operation.operation} ${operationName}` : operation.operation);
        span.setAttribute('graphql.operation.type', operation.operation);
        if (operationName) span.setAttribute('graphql.operation.name', operationName);
      },
      async didEncounterErrors({ errors }) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: errors[0]?.message });
      },
    };
  },
};

/**
 * Express middleware for the router's `/graphql` (after the body parser): when the client sent a
 * `traceparent`, the request runs in the context it continues, so the gateway's `gateway.request`
 * span joins the client's trace; otherwise `gateway.request` is the trace's root. Does nothing
 * while tracing is off.
 */
export function routerTraceMiddleware(): RequestHandler {
  return (req, _res, next) => {
    if (!tracingStarted() || !req.headers.traceparent) return next();
    context.with(extractTraceHeaders((name) => req.headers[name], ROOT_CONTEXT), next);
  };
}
