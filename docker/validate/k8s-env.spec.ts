/**
 * The environment each Deployment of docker/k8s gives its container — the ConfigMap of `envFrom`,
 * `value`s, `secretKeyRef`s into the Secrets, `fieldRef` `metadata.name` — resolved as the kubelet
 * would, then read by that service's own configuration code in production (`NODE_ENV` comes from
 * the ConfigMap). k8s.cjs checks the wiring by name; this checks that the services accept what
 * the wiring gives them. It found a router that could not start in production: the base
 * variables demanded a `SERVICE_CREDENTIAL_SECRET` of its own, which router.yaml rightly withholds.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { z } from 'zod';
import { contextConfig, storeKind, subgraph, SUBGRAPHS } from '@supergraph/kernel';
import { captureExit } from '@supergraph/testing';
import { routerConfig } from '../../router/src/config';
import { bookingConfig } from '../../subgraphs/ticketing/booking/src/main';
import { paymentConfig } from '../../subgraphs/ticketing/payment/src/main';

const K8S = resolve(__dirname, '..', 'k8s');

interface Manifest {
  kind: string;
  metadata: { name: string };
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  spec?: { template: { spec: { containers: Container[] } } };
}
interface Container {
  name: string;
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  env?: { name: string; value?: string; valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: { name: string; key: string }; fieldRef?: { fieldPath: string } } }[];
}

const manifests: Manifest[] = readdirSync(K8S)
  .filter((file) => file.endsWith('.yaml') && file !== 'kustomization.yaml')
  .flatMap((file) => parseAllDocuments(readFileSync(join(K8S, file), 'utf8')).map((doc) => doc.toJS() as Manifest))
  .filter(Boolean);
const byKind = (kind: string) => new Map(manifests.filter((m) => m.kind === kind).map((m) => [m.metadata.name, m]));
const configMaps = byKind('ConfigMap');
const secrets = byKind('Secret');
const deployments = [...byKind('Deployment').values()];

/**
 * A value of one's own for each key of the authentication Secret, as an operator would create
 * them (distinct, ≥ 32 characters); the store Secret keeps its committed URLs (their passwords
 * are placeholders too, but only the database would notice).
 */
const ownSecret = (secret: string, key: string, committed: string) => (secret === 'supergraph-auth' ? `${key}-generated-by-the-operator-0123456789` : committed);

/**
 * The environment of `container` in pod `podName`, with Secret values from `secretValue`.
 * Throws when it refers to a ConfigMap, Secret or key that does not exist.
 */
function resolveEnv(container: Container, podName: string, secretValue: (secret: string, key: string, committed: string) => string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const secretKey = (name: string, key: string) => {
    const committed = secrets.get(name)?.stringData?.[key];
    if (committed === undefined) throw new Error(`${container.name}: Secret ${name} has no key ${key}`);
    return secretValue(name, key, committed);
  };
  for (const from of container.envFrom ?? []) {
    if (from.configMapRef) Object.assign(env, configMaps.get(from.configMapRef.name)?.data ?? fail(`${container.name}: no ConfigMap ${from.configMapRef.name}`));
    if (from.secretRef) for (const key of Object.keys(secrets.get(from.secretRef.name)?.stringData ?? {})) env[key] = secretKey(from.secretRef.name, key);
  }
  for (const { name, value, valueFrom } of container.env ?? []) {
    if (value !== undefined) env[name] = value;
    else if (valueFrom?.secretKeyRef) env[name] = secretKey(valueFrom.secretKeyRef.name, valueFrom.secretKeyRef.key);
    else if (valueFrom?.configMapKeyRef) env[name] = configMaps.get(valueFrom.configMapKeyRef.name)?.data?.[valueFrom.configMapKeyRef.key] ?? fail(`${container.name}: no ${valueFrom.configMapKeyRef.key}`);
    else if (valueFrom?.fieldRef?.fieldPath === 'metadata.name') env[name] = podName;
    else throw new Error(`${container.name}: ${name} has a value source this test does not resolve`);
  }
  return env;
}

function fail(message: string): never {
  throw new Error(message);
}

/** Each context's own variables on top of the base and context ones (what its main passes to `openContext`). */
const CONTEXT_SHAPES: Record<string, z.ZodRawShape> = { booking: bookingConfig, payment: paymentConfig };

/**
 * Reads `env` with the configuration code of service `name`, as it does at start: the router's
 * `routerConfig`, a context's `contextConfig` (what `openContext` reads). Returns the one line a
 * refused configuration prints as it exits with status 1, or what it read.
 */
async function startConfig(name: string, env: NodeJS.ProcessEnv): Promise<{ refused: string } | { port: number; store?: string; nodeEnv: string }> {
  const read = () => {
    if (name === 'router') {
      const config = routerConfig(env);
      return { port: config.port, nodeEnv: config.NODE_ENV };
    }
    const config = contextConfig(name, env, CONTEXT_SHAPES[name]);
    return { port: config.port, store: storeKind(config.storeUrl), nodeEnv: config.NODE_ENV };
  };
  const { exitCode, stderr, result } = await captureExit(read);
  return exitCode === 1 ? { refused: stderr.join('') } : result!;
}

describe('docker/k8s: what each Deployment gives its container, read by the service itself', () => {
  it('covers the router and every subgraph of the catalog', () => {
    expect(deployments.map((d) => d.spec!.template.spec.containers[0].name).sort()).toEqual(['router', ...SUBGRAPHS.map((s) => s.name)].sort());
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s starts in production with Secret values of its own', async (name, deployment) => {
    const container = deployment.spec!.template.spec.containers[0];
    const env = resolveEnv(container, `${name}-7d9f-x2k`, ownSecret);
    const read = await startConfig(name, env);
    expect(read).toMatchObject({ nodeEnv: 'production', port: name === 'router' ? 4000 : subgraph(name).defaultPort });
    if (name !== 'router') expect((read as { store: string }).store).toBe(name === 'booking' ? 'mysql' : 'postgresql');
  });

  it.each(deployments.map((d) => [d.metadata.name, d] as const))('%s refuses to start on the committed CHANGE-ME placeholders of secrets.yaml', async (name, deployment) => {
    const container = deployment.spec!.template.spec.containers[0];
    const env = resolveEnv(container, `${name}-7d9f-x2k`, (_secret, _key, committed) => committed);
    expect(await startConfig(name, env)).toEqual({ refused: expect.stringMatching(/^Invalid configuration: .*CHANGE-ME placeholder/) });
  });
});
