import type { ErrorRequestHandler } from 'express';
import type { Logger } from 'pino';

/** What body-parser (`express.json`) and http-errors put on the errors they pass to `next`. */
interface HttpError {
  status?: number;
  statusCode?: number;
  /** body-parser's kind of failure: `entity.parse.failed`, `entity.too.large`, … */
  type?: string;
  /** Whether the message is meant for the client (http-errors sets it for 4xx). */
  expose?: boolean;
  /** `entity.too.large`: the limit in bytes. */
  limit?: number;
  message?: string;
}

/**
 * The Express error middleware of every service (the router and each subgraph; mount it after
 * every route). An error reaching Express (a malformed JSON body or one over the `express.json`
 * limit on `POST /graphql`, anything a route passes to `next`) is answered as a GraphQL response
 * instead of Express's default HTML page, which shows the stack and server paths outside
 * production (CONTRACT.md "Errors"):
 * - 4xx (400 malformed JSON, 413 body over the limit, 415 unsupported charset, …): that status,
 *   `{ errors: [{ message, extensions: { code: 'BAD_REQUEST' } }] }`, logged at `warn` without a stack;
 * - anything else: 500, `INTERNAL_SERVER_ERROR` with a generic message, logged at `error`.
 */
export function httpErrorHandler(logger: Logger): ErrorRequestHandler {
  return (error: HttpError, req, res, _next) => {
    const given = error?.status ?? error?.statusCode;
    const status = typeof given === 'number' && given >= 400 && given < 600 ? given : 500;
    const where = { method: req.method, path: req.path, status };
    if (status >= 500) logger.error({ ...where, err: error }, 'request failed');
    else logger.warn({ ...where, type: error.type, reason: error.message }, 'bad request');
    if (res.headersSent) {
      req.socket.destroy(); // a partial response cannot be completed
      return;
    }
    const [code, message] = status >= 500 ? ['INTERNAL_SERVER_ERROR', 'Internal server error'] : ['BAD_REQUEST', clientMessage(error)];
    res.status(status).json({ errors: [{ message, extensions: { code } }] });
  };
}

function clientMessage(error: HttpError): string {
  if (error.type === 'entity.parse.failed') return 'The request body is not valid JSON';
  if (error.type === 'entity.too.large') return `The request body is larger than the limit of ${error.limit} bytes`;
  return error.expose && error.message ? error.message : 'Bad request';
}
