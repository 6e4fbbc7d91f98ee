import { writeFileSync } from 'node:fs';
import { committedSupergraph, composeSupergraph, SUPERGRAPH_PATH } from './compose';

/**
 * `npm run compose`: writes schema/supergraph.graphql from the subgraphs' SDL.
 * `npm run compose -- --check`: exits 1 when the committed file is stale (CI, contract test).
 */
function run(argv: string[]): number {
  const composed = composeSupergraph();
  if (argv.includes('--check')) {
    const current = (() => {
      try {
        return committedSupergraph();
      } catch {
        return '';
      }
    })();
    if (current !== composed) {
      process.stderr.write('schema/supergraph.graphql is stale: run `npm run compose` and commit it\n');
      return 1;
    }
    process.stdout.write('schema/supergraph.graphql is up to date\n');
    return 0;
  }
  writeFileSync(SUPERGRAPH_PATH, composed);
  process.stdout.write(`wrote ${SUPERGRAPH_PATH}\n`);
  return 0;
}

process.exitCode = run(process.argv.slice(2));
