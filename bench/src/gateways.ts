import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { REPO_ROOT } from '@supergraph/kernel';
import { freePort } from '@supergraph/stack';
import type { GatewayName } from './options';

/** A competitor gateway running as its own process. */
export interface GatewayProcess {
  name: GatewayName;
  url: string;
  pid: number;
  stop(): Promise<void>;
}

const HIVE_DIR = join(REPO_ROOT, 'bench', 'hive');

/** The versions the bench compares: ours is `@apollo/gateway` (+ this repo's router), stock the same packages, Hive its npm package. */
export function gatewayVersions(): Record<string, string> {
  const version = (dir: string, name: string) => (JSON.parse(readFileSync(join(dir, 'node_modules', name, 'package.json'), 'utf8')) as { version: string }).version;
  return {
    '@apollo/gateway': version(REPO_ROOT, '@apollo/gateway'),
    '@apollo/server': version(REPO_ROOT, '@apollo/server'),
    '@graphql-hive/gateway': version(HIVE_DIR, '@graphql-hive/gateway'),
    undici: version(REPO_ROOT, 'undici'),
    autocannon: version(REPO_ROOT, 'autocannon'),
  };
}

/**
 * Installs Hive Gateway into bench/hive (its own package and lockfile, `npm ci`) when it is not
 * there yet: it needs overrides that npm does not apply to new packages of this workspace tree
 * (bench/hive/package.json says why).
 */
export function ensureHiveInstalled(log: (line: string) => void): void {
  if (existsSync(join(HIVE_DIR, 'node_modules', '.bin', 'hive-gateway'))) return;
  log('installing Hive Gateway into bench/hive (npm ci, once)');
  const result = spawnSync('npm', ['ci', '--ignore-scripts', '--no-audit', '--no-fund'], { cwd: HIVE_DIR, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm ci in bench/hive failed');
}

/**
 * Starts a competitor on the supergraph file `supergraph` (subgraph URLs of the running stack):
 * `stock`: `bench/dist/stock-gateway.js`; `hive`: `hive-gateway supergraph` with
 * `bench/dist/hive-gateway.config.js`. Resolves once it answers `{ __typename }`; its output is
 * kept and printed if it fails to start. Killed if this process exits.
 */
export async function startGateway(name: 'stock' | 'hive', supergraph: string, env: NodeJS.ProcessEnv): Promise<GatewayProcess> {
  const port = await freePort('127.0.0.1');
  const child: ChildProcess =
    name === 'stock'
      ? spawn(process.execPath, [join(REPO_ROOT, 'bench', 'dist', 'stock-gateway.js')], { env: { ...env, PORT: String(port), BENCH_SUPERGRAPH: supergraph }, stdio: ['ignore', 'pipe', 'pipe'] })
      : spawn(
          process.execPath,
          [join(HIVE_DIR, 'node_modules', '@graphql-hive', 'gateway', 'dist', 'bin.js'), 'supergraph', supergraph, '--port', String(port), '--host', '127.0.0.1', '-c', join(REPO_ROOT, 'bench', 'dist', 'hive-gateway.config.js')],
          { cwd: HIVE_DIR, env, stdio: ['ignore', 'pipe', 'pipe'] },
        );
  const output: string[] = [];
  const keep = (chunk: Buffer) => output.push(...chunk.toString().split('\n').filter(Boolean).slice(-40));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const url = `http://127.0.0.1:${port}/graphql`;
  const deadline = performance.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} gateway exited (${child.exitCode}):\n${output.slice(-20).join('\n')}`);
    const ok = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    if (performance.now() > deadline) {
      kill();
      throw new Error(`${name} gateway not ready within 60 s:\n${output.slice(-20).join('\n')}`);
    }
    await delay(200);
  }
  return {
    name,
    url,
    pid: child.pid!,
    stop: async () => {
      process.removeListener('exit', kill);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, delay(5000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
