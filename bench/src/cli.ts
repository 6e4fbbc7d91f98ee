#!/usr/bin/env node
import { REPO_ROOT } from '@supergraph/kernel';
import { parseOptions } from './options';
import { runBench } from './run';

/** `npm run bench [-- --seconds 5 --rounds 1 --gateways ours,stock --queries a --no-docs]`: see `runBench` and `BenchOptions`. */
async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2), process.env, REPO_ROOT);
  await runBench(options);
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  },
);
