#!/usr/bin/env node
import { parseCliArgs, USAGE, UsageError } from './args';
import { readyBanner } from './banner';
import { selectServices, STACK_SERVICES } from './env';
import { StackError } from './errors';
import { startStack, StackHandle } from './launcher';
import { prefixedSink } from './log-lines';

/**
 * `node packages/stack/dist/cli.js start [--only a,b] [--json-logs] [--ready-timeout s]`, what
 * `npm start` runs: starts the stack (see `startStack`), prints where to reach it once every
 * service is ready, and keeps it running until Ctrl-C/SIGTERM (then stops everything and exits 0;
 * a second signal kills at once). Resolves with the exit status when it should exit now,
 * `undefined` while the stack runs.
 */
export async function main(argv: readonly string[]): Promise<number | undefined> {
  let args;
  try {
    args = parseCliArgs(argv, STACK_SERVICES.map((service) => service.name));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`${error.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }

  const sink = prefixedSink(process.stdout, { pretty: !args.jsonLogs });
  const say = (text: string) => sink({ service: 'stack', stream: 'stack', text });
  const abort = new AbortController();
  let handle: StackHandle | undefined;
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      say(`${signal} again: killing every process now`);
      process.exit(130);
    }
    say(`${signal}: stopping every service (${signal === 'SIGINT' ? 'Ctrl-C' : 'signal'} again kills at once)`);
    abort.abort();
    void handle?.stopAll().then(() => {
      say('stopped');
      process.exit(0);
    });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  const services = selectServices(args.only);
  const started = Date.now();
  say(`starting ${services.map((service) => service.name).join(', ')} (STORES=${process.env.STORES ?? 'sqlite'})`);
  try {
    handle = await startStack({ services: args.only, log: sink, readyTimeoutMs: args.readyTimeoutMs, signal: abort.signal });
  } catch (error) {
    if (abort.signal.aborted) return 0;
    if (!(error instanceof StackError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
  for (const line of readyBanner({
    services,
    ports: handle.ports,
    env: handle.env,
    redisUrl: handle.redisUrl,
    privateRedisDir: handle.privateRedis?.dir,
    elapsedMs: Date.now() - started,
  })) {
    say(line);
  }
  return undefined;
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (status) => {
      if (status !== undefined) process.exit(status);
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
      process.exit(1);
    },
  );
}
