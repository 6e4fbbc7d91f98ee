#!/usr/bin/env node
import { DEV_JWT_SECRET, isRole, ROLES, signUserToken } from '@supergraph/kernel';
import { parseStrict, UsageError } from './args';

/** Help text of `npm run token`. */
export const TOKEN_USAGE = `Usage: npm run token -- --sub <subject> [--role customer|organizer|admin] [--ttl <seconds>]

Prints a development bearer token (HS256, signed with JWT_SECRET or the development default) that
the router accepts: send it as "Authorization: Bearer <token>" (in Apollo Sandbox: the Headers
tab; over WebSocket: {"authorization": "Bearer <token>"} as connection_init payload).
  --sub    the subject: a customer id or an organizer id (required)
  --role   customer (default), organizer or admin
  --ttl    lifetime in seconds (default 3600)`;

/** What `npm run token` was asked for. */
export interface TokenArgs {
  subject: string;
  role: (typeof ROLES)[number];
  ttlS: number;
}

/** Parses `--sub`, `--role`, `--ttl`; throws `UsageError` naming what is wrong. */
export function parseTokenArgs(argv: readonly string[]): TokenArgs {
  const { values, positionals } = parseStrict(argv, { sub: { type: 'string' }, role: { type: 'string', default: 'customer' }, ttl: { type: 'string', default: '3600' } });
  if (positionals.length > 0) throw new UsageError(`unexpected argument ${positionals[0]}`);
  const subject = values.sub?.trim();
  if (!subject) throw new UsageError('--sub is required');
  if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
  const ttlS = Number(values.ttl);
  if (!Number.isInteger(ttlS) || ttlS <= 0) throw new UsageError('--ttl must be a positive number of seconds');
  return { subject, role: values.role, ttlS };
}

async function main(): Promise<void> {
  let args: TokenArgs;
  try {
    args = parseTokenArgs(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${TOKEN_USAGE}\n`);
    process.exit(2);
  }
  const secret = process.env.JWT_SECRET || DEV_JWT_SECRET;
  process.stdout.write(`${await signUserToken({ subject: args.subject, role: args.role, expiresInS: args.ttlS, secret })}\n`);
}

if (require.main === module) void main();
