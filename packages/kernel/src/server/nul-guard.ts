import type { NextFunction, Request, Response } from 'express';

/** True when `value` (parsed JSON) holds a string, or an object key, with U+0000 at any depth. */
export function holdsNul(value: unknown): boolean {
  const pending: unknown[] = [value];
  while (pending.length > 0) {
    const item = pending.pop();
    if (typeof item === 'string') {
      if (item.includes('\u0000')) return true;
    } else if (typeof item === 'object' && item !== null) {
      for (const [key, child] of Object.entries(item)) {
        if (key.includes('\u0000')) return true;
        pending.push(child);
      }
    }
  }
  return false;
}

/**
 * Express middleware after the JSON body parser of a GraphQL endpoint: a request carrying the NUL
 * character U+0000 (in its variables, or written `\u0000` in the document) gets 400
 * `BAD_USER_INPUT` before anything runs. No store keeps NUL in text (PostgreSQL refuses it with
 * 08P01), so it would otherwise surface as an `INTERNAL_SERVER_ERROR` (found by the hostile-input
 * suite, `hostile/`).
 */
export function refuseNulCharacters() {
  return (req: Request, res: Response, next: NextFunction): void => {
    const body = req.body as { query?: unknown } | undefined;
    const escaped = typeof body?.query === 'string' && /\\u0000/i.test(body.query);
    if (escaped || holdsNul(body)) {
      res.status(400).json({ errors: [{ message: 'Strings must not contain the NUL character (U+0000).', extensions: { code: 'BAD_USER_INPUT' } }] });
      return;
    }
    next();
  };
}
