/**
 * docker/validate/k8s.cjs (run by docker/validate.sh in CI): the committed manifests pass, and a
 * broken copy of them fails with the problem named. No cluster, no network.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { validateK8s } = require('./k8s.cjs') as { validateK8s: (dir?: string) => { errors: string[]; summary: string } };

const K8S = resolve(__dirname, '..', 'k8s');

/** Validates a copy of docker/k8s with `edit(text)` applied to one file. */
function validateEdited(file: string, edit: (text: string) => string): string[] {
  const dir = mkdtempSync(join(tmpdir(), 'k8s-'));
  try {
    cpSync(K8S, dir, { recursive: true });
    const text = readFileSync(join(dir, file), 'utf8');
    const edited = edit(text);
    expect(edited).not.toBe(text); // the edit applied
    writeFileSync(join(dir, file), edited);
    return validateK8s(dir).errors;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('docker/validate/k8s.cjs', () => {
  it('accepts the committed manifests', () => {
    const { errors, summary } = validateK8s(K8S);
    expect(errors).toEqual([]);
    expect(summary).toContain('6 Deployment, 6 Service, 2 HorizontalPodAutoscaler, 1 PodDisruptionBudget');
  });

  it.each([
    ['a wrong type (Kubernetes schema)', 'ticket.yaml', (t: string) => t.replace('replicas: 2', 'replicas: two'), /Deployment\/ticket: schema: \/spec\/replicas must be integer/],
    ['an unknown field (typo)', 'payment.yaml', (t: string) => t.replace('livenessProbe:', 'livenessProbes:'), /unknown field "livenessProbes"/],
    ['a missing readiness probe', 'booking.yaml', (t: string) => t.replace(/ {10}readinessProbe:\n(?: {12}.*\n)+/, ''), /Deployment\/booking container booking: readinessProbe is missing/],
    ['liveness on the readiness endpoint', 'mypage.yaml', (t: string) => t.replace(/(livenessProbe:\n\s+httpGet:\n\s+path: )\/health\/live/, '$1/health/ready'), /livenessProbe.httpGet.path is \/health\/ready/],
    ['maxUnavailable above 0', 'router.yaml', (t: string) => t.replace(/maxUnavailable: 0/, 'maxUnavailable: 1'), /Deployment\/router: strategy.rollingUpdate.maxUnavailable must be 0/],
    ['a missing memory limit', 'notification.yaml', (t: string) => t.replace(/(limits:\n\s+cpu: "1"\n)\s+memory: 512Mi\n/, '$1'), /resources.limits.memory is missing/],
    ['a Service selecting no pod', 'ticket.yaml', (t: string) => t.replace(/(kind: Service[\s\S]*selector:\n\s+app.kubernetes.io\/name: )ticket/, '$1tickets'), /Service\/ticket: selector .* does not select the pods of Deployment ticket/],
    ['an HPA targeting a missing Deployment', 'booking.yaml', (t: string) => t.replace(/(kind: Deployment\n\s+)name: booking/, '$1name: bookings'), /HorizontalPodAutoscaler\/booking: scaleTargetRef apps\/v1\/Deployment\/bookings is not a Deployment/],
    ['a PDB selecting nothing', 'router.yaml', (t: string) => t.replace(/(kind: PodDisruptionBudget[\s\S]*app.kubernetes.io\/name: )router\n(\s+app.kubernetes.io\/part-of: supergraph\n)$/, '$1routers\n$2'), /no PodDisruptionBudget selects the router pods/],
    ['an SQLite store', 'secrets.yaml', (t: string) => t.replace(/MYPAGE_DB_URL: .*/, 'MYPAGE_DB_URL: /data/mypage.sqlite'), /MYPAGE_DB_URL \/data\/mypage.sqlite is not PostgreSQL or MySQL/],
    ['CONSUMER_NAME not from the pod name', 'notification.yaml', (t: string) => t.replace('fieldPath: metadata.name', 'fieldPath: spec.nodeName'), /CONSUMER_NAME must come from the pod name/],
    ['a router URL off its Service', 'config.yaml', (t: string) => t.replace('http://booking:4002/graphql', 'http://booking:4012/graphql'), /BOOKING_URL is http:\/\/booking:4012\/graphql/],
    ['a subgraph missing an auth key', 'payment.yaml', (t: string) => t.replace(/ {12}- name: SERVICE_CREDENTIAL_SECRET.*\n(?: {14}.*\n)+/, ''), /Deployment\/payment container payment: SERVICE_CREDENTIAL_SECRET is not set/],
    ['the router missing its JWT key', 'router.yaml', (t: string) => t.replace(/ {12}- name: JWT_SECRET.*\n(?: {14}.*\n)+/, ''), /Deployment\/router container router: JWT_SECRET is not set/],
    ['an auth key the Secret lacks', 'router.yaml', (t: string) => t.replace('key: JWT_SECRET', 'key: JWT_KEY'), /Deployment\/router container router: env JWT_SECRET: Secret supergraph-auth has no key JWT_KEY/],
    ['the service key on the router', 'router.yaml', (t: string) => t.replace(/(- name: )JWT_SECRET(.*\n(?: {14}.*\n)+? {18}key: )JWT_SECRET/, '$1SERVICE_CREDENTIAL_SECRET$2SERVICE_CREDENTIAL_SECRET'), /router: SERVICE_CREDENTIAL_SECRET is set .*never reads it/],
    ['an auth key too short', 'secrets.yaml', (t: string) => t.replace(/^( {2}ROUTER_CREDENTIAL_SECRET: ).*/m, '$1CHANGE-ME'), /Deployment\/ticket container ticket: ROUTER_CREDENTIAL_SECRET has 9 characters: at least 32/],
    ['a development default in production', 'secrets.yaml', (t: string) => t.replace(/^( {2}JWT_SECRET: ).*/m, '$1dev-only-jwt-secret-change-me-before-production'), /JWT_SECRET is the development default, refused with NODE_ENV=production/],
    ['two auth keys with one value', 'secrets.yaml', (t: string) => t.replace(/^( {2}SERVICE_CREDENTIAL_SECRET: ).*/m, '$1CHANGE-ME-router-credential-secret-placeholder-0001'), /ROUTER_CREDENTIAL_SECRET and SERVICE_CREDENTIAL_SECRET have the same value/],
    ['a duplicate key', 'config.yaml', (t: string) => t.replace('LOG_LEVEL: info', 'LOG_LEVEL: info\n  LOG_LEVEL: debug'), /config.yaml#1: .*[Uu]nique/],
  ])('rejects %s', (_what, file, edit, expected) => {
    const errors = validateEdited(file, edit);
    expect(errors.join('\n')).toMatch(expected);
  });
});
