#!/usr/bin/env node
/**
 * Static check of the Kubernetes manifests in docker/k8s/ without a cluster (run by docker/validate.sh).
 *
 *   node docker/validate/k8s.cjs [manifest folder, default docker/k8s]
 *
 * 1. kustomization.yaml lists every *.yaml of the folder (and nothing missing); its `images` name
 *    images the manifests use.
 * 2. Every document (YAML parsed with duplicate keys rejected) is validated against the Kubernetes
 *    1.27 OpenAPI schema of its apiVersion/kind, precompiled by the npm package `kubernetes-models`
 *    (root devDependency; types, enums, required fields, formats). Those schemas allow unknown
 *    fields, so every field is also checked against the package's TypeScript declarations
 *    (`livenessProbes:` or `maxUnavailabe:` is an error, as `kubectl apply` strict field validation
 *    would make it). An apiVersion/kind without a schema is an error.
 * 3. Our own checks, against the kernel catalog (packages/kernel/src/catalog.ts) and docker/compose.yml:
 *    one Deployment + Service per catalog service, the image compose builds for it, selectors that
 *    match their pods (and only theirs), Service port = catalog port -> a named container port,
 *    rolling update with maxUnavailable 0, liveness on /health/live and readiness on /health/ready,
 *    cpu/memory requests and limits (requests <= limits), enableServiceLinks false, runAsNonRoot,
 *    SHUTDOWN_DELAY_MS > 0 covered by terminationGracePeriodSeconds (+15 s), every subgraph with
 *    CONSUMER_NAME from metadata.name, its `<NAME>_DB_URL` from a Secret on PostgreSQL or MySQL
 *    (never SQLite: replicas) and REDIS_URL; the authentication keys each service reads
 *    (docker/validate/auth-keys.cjs: router ROUTER_CREDENTIAL_SECRET + JWT_SECRET unless
 *    JWT_JWKS_URL is set, subgraphs ROUTER_CREDENTIAL_SECRET + SERVICE_CREDENTIAL_SECRET) from a
 *    Secret, no other, ≥ 32 characters, not the development defaults with NODE_ENV=production, one
 *    value per key across services and a different one per key; the router and each sync client with every
 *    `<NAME>_URL` = http://<name>:<port>/graphql of an existing Service; ConfigMap/Secret
 *    references resolving; HPAs for router and booking targeting existing Deployments that leave
 *    `replicas` to them; a PodDisruptionBudget selecting the router's pods that still allows a
 *    disruption at the minimum replica count.
 *
 * Exit 0 when valid; 1 listing every problem otherwise; 2 on a setup error.
 * `require()`d by docker/validate/k8s.spec.ts: exports validateK8s(dir) -> { errors, summary }.
 * Needs the root devDependencies `yaml`, `kubernetes-models` and `typescript`.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { authKeys, devSecrets, secretValueProblems, sharedSecretProblems } = require('./auth-keys.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const rel = (p) => path.relative(ROOT, p) || '.';
const mask = (message) => String(message).replace(/(\/\/[^/:@\s]*):[^@\s]*@/g, '$1:***@');

function need(name, why) {
  try {
    return require(require.resolve(name, { paths: [ROOT] }));
  } catch {
    process.stderr.write(`docker/validate: cannot load '${name}' (${why}).\nAdd it to the root devDependencies: npm install --save-dev ${name}\n`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// Schemas: kubernetes-models (runtime validators) + its .d.ts (field names)

/** apiVersion/kind -> the kubernetes-models module path, e.g. apps/v1 Deployment -> kubernetes-models/apps/v1/Deployment. */
function modelPath(apiVersion, kind) {
  if (typeof apiVersion !== 'string' || typeof kind !== 'string' || !/^[A-Za-z0-9]+$/.test(kind)) return undefined;
  const [group, version] = apiVersion.includes('/') ? apiVersion.split('/') : ['', apiVersion];
  if (!/^[a-z0-9.]*$/.test(group) || !/^v[a-z0-9]+$/.test(version ?? '')) return undefined;
  const file = `kubernetes-models/${group ? `${group}/` : ''}${version}/${kind}`;
  try {
    require.resolve(file, { paths: [ROOT] });
    return file;
  } catch {
    return undefined;
  }
}

let tsChecker;
const tsTypes = new Map();
/** The TypeScript type `I<Kind>` of a kubernetes-models module (one program for every kind). */
function declaredType(file, kind, allFiles) {
  if (!tsChecker) {
    const ts = need('typescript', 'to read the field names of the Kubernetes types');
    const entry = path.join(ROOT, '__k8s_types__.ts');
    const files = [...new Set(allFiles)];
    const source = files.map((f, i) => `import type { I${f.split('/').pop()} as T${i} } from ${JSON.stringify(f)};\nexport declare const v${i}: T${i};`).join('\n');
    const options = { noEmit: true, strict: true, types: [], moduleResolution: ts.ModuleResolutionKind.Node10, module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022 };
    const host = ts.createCompilerHost(options);
    const getSourceFile = host.getSourceFile.bind(host);
    host.getSourceFile = (name, lang) => (path.resolve(name) === entry ? ts.createSourceFile(name, source, lang) : getSourceFile(name, lang));
    const fileExists = host.fileExists.bind(host);
    host.fileExists = (name) => path.resolve(name) === entry || fileExists(name);
    const program = ts.createProgram([entry], options, host);
    tsChecker = { ts, checker: program.getTypeChecker(), sf: program.getSourceFile(entry) };
    files.forEach((f, i) => {
      const symbol = tsChecker.checker.getSymbolsInScope(tsChecker.sf, ts.SymbolFlags.Variable).find((s) => s.name === `v${i}`);
      if (symbol) tsTypes.set(f, tsChecker.checker.getTypeOfSymbolAtLocation(symbol, tsChecker.sf));
    });
  }
  return tsTypes.get(file);
}

/** Fields of `value` the declared type does not have, as `path: unknown field "x"` messages. */
function unknownFields(value, type, where, out) {
  if (value === null || typeof value !== 'object' || !type) return;
  const { ts, checker, sf } = tsChecker;
  type = checker.getNonNullableType(type);
  if (type.flags & (ts.TypeFlags.Any | ts.TypeFlags.Unknown)) return;
  if (type.isUnion()) {
    const objects = type.types.filter((t) => t.flags & ts.TypeFlags.Object);
    if (objects.length !== 1) return;
    type = objects[0];
  }
  if (Array.isArray(value)) {
    const element = checker.isArrayType(type) ? checker.getTypeArguments(type)[0] : undefined;
    value.forEach((item, i) => unknownFields(item, element, `${where}[${i}]`, out));
    return;
  }
  const index = checker.getIndexTypeOfType(type, ts.IndexKind.String);
  const props = checker.getPropertiesOfType(type);
  if (!props.length && !index) return;
  for (const [key, item] of Object.entries(value)) {
    const prop = type.getProperty(key);
    if (!prop) {
      if (index) unknownFields(item, index, `${where}.${key}`, out);
      else out.push(`${where}: unknown field "${key}"`);
      continue;
    }
    unknownFields(item, checker.getTypeOfSymbolAtLocation(prop, sf), `${where}.${key}`, out);
  }
}

// ---------------------------------------------------------------------------------------------
// Helpers

/** Kubernetes quantity -> number (cpu in cores, memory in bytes); NaN when malformed. */
function quantity(q) {
  const m = /^([0-9.]+)(m|k|M|G|T|Ki|Mi|Gi|Ti)?$/.exec(String(q));
  if (!m) return Number.NaN;
  const mult = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 }[m[2]] ?? 1;
  return Number(m[1]) * mult;
}
const matches = (selector, labels) => !!selector && Object.keys(selector).length > 0 && Object.entries(selector).every(([k, v]) => labels?.[k] === v);
const isZero = (v) => v === 0 || v === '0%' || v === '0';

function loadCatalog(errors) {
  const source = path.join(ROOT, 'packages', 'kernel', 'src', 'catalog.ts');
  const ts = need('typescript', 'to read packages/kernel/src/catalog.ts');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  if (!require.extensions['.ts']) {
    // eslint-disable-next-line n/no-deprecated-api -- the smallest TS loader for one check script
    require.extensions['.ts'] = (mod, filename) => {
      mod._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
    };
  }
  try {
    const { ROUTER, SUBGRAPHS } = require(source);
    if (ROUTER && Array.isArray(SUBGRAPHS)) return { ROUTER, SUBGRAPHS };
    errors.push(`catalog: ${rel(source)} no longer exports ROUTER and SUBGRAPHS: update docker/validate/k8s.cjs`);
  } catch (e) {
    errors.push(`catalog: cannot load ${rel(source)}: ${e.message.split('\n')[0]}`);
  }
  return undefined;
}

/** image repository (no tag) per compose service, from docker/compose.yml. */
function composeImages(YAML) {
  const file = path.join(ROOT, 'docker', 'compose.yml');
  if (!fs.existsSync(file)) return {};
  const compose = YAML.parse(fs.readFileSync(file, 'utf8'), { merge: true, maxAliasCount: 1000 }) ?? {};
  return Object.fromEntries(Object.entries(compose.services ?? {}).map(([name, s]) => [name, typeof s?.image === 'string' ? s.image.replace(/:[^/:]*$/, '') : undefined]));
}

// ---------------------------------------------------------------------------------------------

function validateK8s(dir = path.join(ROOT, 'docker', 'k8s')) {
  const YAML = need('yaml', 'YAML parser');
  const errors = [];
  const error = (where, message) => errors.push(`${where}: ${mask(message)}`);
  const docs = [];

  // 1. kustomization + files
  const kustomizationFile = path.join(dir, 'kustomization.yaml');
  const yamlFiles = fs.existsSync(dir) ? fs.readdirSync(dir).filter((f) => /\.ya?ml$/.test(f) && f !== 'kustomization.yaml').sort() : [];
  if (!yamlFiles.length) error(rel(dir), 'no manifests');
  let kustomization = {};
  if (!fs.existsSync(kustomizationFile)) error(rel(dir), 'kustomization.yaml is missing');
  else {
    kustomization = YAML.parse(fs.readFileSync(kustomizationFile, 'utf8'), { uniqueKeys: true }) ?? {};
    const listed = kustomization.resources ?? [];
    for (const f of listed) if (!yamlFiles.includes(f)) error('kustomization.yaml', `resource ${f} does not exist in ${rel(dir)}`);
    for (const f of yamlFiles) if (!listed.includes(f)) error('kustomization.yaml', `${f} is not listed in resources`);
  }

  for (const f of yamlFiles) {
    const text = fs.readFileSync(path.join(dir, f), 'utf8');
    YAML.parseAllDocuments(text, { uniqueKeys: true, prettyErrors: true }).forEach((doc, i) => {
      if (doc.errors.length) return doc.errors.forEach((e) => error(`${f}#${i + 1}`, e.message));
      const value = doc.toJS();
      if (value === null || value === undefined) return;
      docs.push({ where: `${f} ${value?.kind ?? '?'}/${value?.metadata?.name ?? '?'}`, file: f, value });
    });
  }

  // 2. schemas
  const files = [];
  for (const d of docs) {
    d.model = modelPath(d.value.apiVersion, d.value.kind);
    if (!d.model) error(d.where, `no Kubernetes schema for apiVersion ${d.value.apiVersion} kind ${d.value.kind}`);
    else files.push(d.model);
  }
  for (const d of docs) {
    if (!d.model) continue;
    const Model = require(require.resolve(d.model, { paths: [ROOT] }))[d.value.kind];
    try {
      new Model(d.value).validate();
    } catch (e) {
      for (const err of e.errors ?? [{ instancePath: '', message: e.message }]) error(d.where, `schema: ${err.instancePath || '/'} ${err.message}${err.params?.allowedValues ? ` (${err.params.allowedValues.join(', ')})` : ''}`);
    }
    const unknown = [];
    const type = declaredType(d.model, d.value.kind, files);
    if (!type || !tsChecker.checker.getPropertiesOfType(type).length) error(d.where, `cannot read the TypeScript declaration of ${d.model}: unknown fields not checked`);
    unknownFields(d.value, type, '', unknown);
    for (const u of unknown) error(d.where, `schema: ${u.replace(/^\./, '') || '/'}`);
    if (!d.value.metadata?.name) error(d.where, 'metadata.name is missing');
    if (d.value.metadata?.namespace) error(d.where, 'metadata.namespace is set: kustomization.yaml sets the namespace');
  }

  // 3. our checks
  const of = (kind) => docs.filter((d) => d.value.kind === kind).map((d) => ({ ...d, v: d.value, name: d.value.metadata?.name }));
  const deployments = of('Deployment');
  const services = of('Service');
  const configMaps = of('ConfigMap');
  const secrets = of('Secret');
  const hpas = of('HorizontalPodAutoscaler');
  const pdbs = of('PodDisruptionBudget');
  for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret', 'HorizontalPodAutoscaler', 'PodDisruptionBudget']) {
    const seen = new Set();
    for (const d of of(kind)) {
      if (seen.has(d.name)) error(d.where, `two ${kind}s named ${d.name}`);
      seen.add(d.name);
    }
  }
  const configData = (name) => configMaps.find((c) => c.name === name)?.v.data;
  const secretData = (name) => {
    const s = secrets.find((c) => c.name === name)?.v;
    if (!s) return undefined;
    const decoded = Object.fromEntries(Object.entries(s.data ?? {}).map(([k, v]) => [k, Buffer.from(String(v), 'base64').toString('utf8')]));
    return { ...decoded, ...(s.stringData ?? {}) };
  };

  const catalog = loadCatalog(errors);
  const images = composeImages(YAML);
  const kustomizeImages = (kustomization.images ?? []).map((i) => i.name);
  const usedImages = new Set();
  const podLabels = (d) => d.v.spec?.template?.metadata?.labels ?? {};
  /** Minimum replicas of a Deployment: its HPA's minReplicas, else spec.replicas (default 1). */
  const minReplicas = (d) => hpas.find((h) => h.v.spec?.scaleTargetRef?.name === d.name)?.v.spec?.minReplicas ?? d.v.spec?.replicas ?? 1;

  if (catalog) {
    const entries = [catalog.ROUTER, ...catalog.SUBGRAPHS];
    const subgraphNames = catalog.SUBGRAPHS.map((s) => s.name);
    const dev = devSecrets(ROOT);
    /** Deployment -> { authentication key -> value from its Secret }. */
    const authValues = {};
    for (const entry of entries) {
      const upper = entry.name.toUpperCase();
      const isRouter = entry === catalog.ROUTER;
      const dep = deployments.find((d) => d.name === entry.name);
      const svc = services.find((s) => s.name === entry.name);
      if (!dep) error(rel(dir), `no Deployment ${entry.name} (catalog service ${entry.workspace})`);
      if (!svc) error(rel(dir), `no Service ${entry.name}`);
      if (!dep) continue;
      const w = dep.where;
      const spec = dep.v.spec ?? {};
      const pod = spec.template?.spec ?? {};
      const labels = podLabels(dep);
      // selector
      const selector = spec.selector?.matchLabels;
      if (!matches(selector, labels)) error(w, `spec.selector.matchLabels ${JSON.stringify(selector)} does not match the pod template labels ${JSON.stringify(labels)}`);
      if (spec.selector?.matchExpressions) error(w, 'spec.selector.matchExpressions: use matchLabels only (checked against Services and PDBs)');
      // rolling update
      const strategy = spec.strategy ?? {};
      if ((strategy.type ?? 'RollingUpdate') !== 'RollingUpdate') error(w, `strategy.type ${strategy.type}: RollingUpdate expected`);
      if (!isZero(strategy.rollingUpdate?.maxUnavailable)) error(w, `strategy.rollingUpdate.maxUnavailable must be 0 (is ${strategy.rollingUpdate?.maxUnavailable ?? 'unset, default 25%'})`);
      if (isZero(strategy.rollingUpdate?.maxSurge)) error(w, 'strategy.rollingUpdate.maxSurge must not be 0 with maxUnavailable 0 (the rollout could not progress)');
      // pod
      if (pod.enableServiceLinks !== false) error(w, 'enableServiceLinks must be false: service links inject <SERVICE>_PORT=tcp://… variables that clash with <CONTEXT>_PORT/ROUTER_PORT');
      if (pod.securityContext?.runAsNonRoot !== true) error(w, 'securityContext.runAsNonRoot must be true (the image runs as uid 1000)');
      const containers = pod.containers ?? [];
      const container = containers.find((c) => c.name === entry.name) ?? containers[0];
      if (!container) {
        error(w, 'no container');
        continue;
      }
      if (containers.length !== 1) error(w, `one container expected, found ${containers.length}`);
      const cw = `${w} container ${container.name}`;
      // image
      const repo = String(container.image ?? '').replace(/:[^/:]*$/, '');
      usedImages.add(repo);
      const composeRepo = images[entry.name];
      if (!composeRepo) error(cw, `docker/compose.yml has no service ${entry.name} with an image`);
      else if (repo !== composeRepo) error(cw, `image ${container.image}: compose builds ${composeRepo} for ${entry.name}`);
      // env
      const env = {};
      for (const from of container.envFrom ?? []) {
        if (from.configMapRef) {
          const data = configData(from.configMapRef.name);
          if (!data && !from.configMapRef.optional) error(cw, `envFrom: no ConfigMap ${from.configMapRef.name}`);
          for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${k}`] = { value: String(v), source: `ConfigMap ${from.configMapRef.name}` };
        }
        if (from.secretRef) {
          const data = secretData(from.secretRef.name);
          if (!data && !from.secretRef.optional) error(cw, `envFrom: no Secret ${from.secretRef.name}`);
          for (const [k, v] of Object.entries(data ?? {})) env[`${from.prefix ?? ''}${k}`] = { value: String(v), source: `Secret ${from.secretRef.name}`, secret: true };
        }
      }
      for (const e of container.env ?? []) {
        const ref = e.valueFrom;
        if (ref?.secretKeyRef || ref?.configMapKeyRef) {
          const r = ref.secretKeyRef ?? ref.configMapKeyRef;
          const kind = ref.secretKeyRef ? 'Secret' : 'ConfigMap';
          const data = ref.secretKeyRef ? secretData(r.name) : configData(r.name);
          if (!data) error(cw, `env ${e.name}: no ${kind} ${r.name}`);
          else if (!(r.key in data)) error(cw, `env ${e.name}: ${kind} ${r.name} has no key ${r.key}`);
          env[e.name] = { value: data?.[r.key], source: `${kind} ${r.name}`, secret: !!ref.secretKeyRef };
        } else if (ref?.fieldRef) env[e.name] = { fieldPath: ref.fieldRef.fieldPath, source: 'fieldRef' };
        else env[e.name] = { value: e.value, source: 'value' };
      }
      // port
      const portValue = env[`${upper}_PORT`]?.value;
      const port = portValue === undefined ? entry.defaultPort : Number(portValue);
      if (port !== entry.defaultPort) error(cw, `${upper}_PORT is ${portValue}: the Services and <NAME>_URL values assume ${entry.defaultPort}`);
      const ports = container.ports ?? [];
      const http = ports.find((p) => p.containerPort === port);
      if (!http) error(cw, `no containerPort ${port}`);
      const resolvePort = (p) => (typeof p === 'number' ? ports.find((x) => x.containerPort === p) : ports.find((x) => x.name === p));
      // probes
      for (const [probe, wanted] of [['livenessProbe', '/health/live'], ['readinessProbe', '/health/ready']]) {
        const get = container[probe]?.httpGet;
        if (!container[probe]) error(cw, `${probe} is missing`);
        else if (!get) error(cw, `${probe} must be an httpGet on ${wanted}`);
        else {
          if (get.path !== wanted) error(cw, `${probe}.httpGet.path is ${get.path}: ${wanted} expected`);
          if (resolvePort(get.port)?.containerPort !== port) error(cw, `${probe}.httpGet.port ${get.port} is not the service port ${port}`);
        }
      }
      if (container.startupProbe?.httpGet && container.startupProbe.httpGet.path !== '/health/live') error(cw, 'startupProbe must probe /health/live (readiness depends on the store and Redis, which a starting pod must not be restarted for)');
      // resources
      const res = container.resources ?? {};
      for (const kind of ['requests', 'limits'])
        for (const r of ['cpu', 'memory']) {
          const q = res[kind]?.[r];
          if (q === undefined) error(cw, `resources.${kind}.${r} is missing`);
          else if (Number.isNaN(quantity(q))) error(cw, `resources.${kind}.${r} ${q} is not a quantity`);
        }
      for (const r of ['cpu', 'memory'])
        if (quantity(res.requests?.[r]) > quantity(res.limits?.[r])) error(cw, `resources.requests.${r} ${res.requests[r]} exceeds the limit ${res.limits[r]}`);
      // drain
      const delay = Number(env.SHUTDOWN_DELAY_MS?.value ?? 0);
      if (!(delay > 0)) error(cw, 'SHUTDOWN_DELAY_MS must be > 0 (readiness 503 while endpoints stop routing to a terminating pod)');
      const grace = pod.terminationGracePeriodSeconds ?? 30;
      if (grace < delay / 1000 + 15) error(w, `terminationGracePeriodSeconds ${grace} does not cover SHUTDOWN_DELAY_MS (${delay} ms) + 15 s`);
      if (env.SERVICE_HOST?.value !== undefined && env.SERVICE_HOST.value !== '0.0.0.0') error(cw, `SERVICE_HOST ${env.SERVICE_HOST.value}: probes and Services need 0.0.0.0`);
      // subgraph: consumer name, store, redis
      if (!isRouter) {
        if (env.CONSUMER_NAME?.fieldPath !== 'metadata.name') error(cw, 'CONSUMER_NAME must come from the pod name (valueFrom.fieldRef.fieldPath: metadata.name): unique per replica');
        const db = env[`${upper}_DB_URL`];
        if (!db) error(cw, `${upper}_DB_URL is not set`);
        else {
          if (!db.secret) error(cw, `${upper}_DB_URL comes from ${db.source}: credentials belong in a Secret`);
          if (typeof db.value === 'string' && !/^(postgres(ql)?|mysql|mariadb):\/\//.test(db.value)) error(cw, `${upper}_DB_URL ${db.value} is not PostgreSQL or MySQL/MariaDB: an SQLite file is one replica's, every context runs several here`);
        }
        if (!env.REDIS_URL) error(cw, 'REDIS_URL is not set');
        else if (!/^rediss?:\/\//.test(env.REDIS_URL.value ?? '')) error(cw, `REDIS_URL ${env.REDIS_URL.value} is not a redis:// URL`);
      }
      // authentication keys: exactly those this service reads, each from a Secret
      const keys = authKeys(isRouter, !!env.JWT_JWKS_URL?.value);
      const known = {};
      for (const key of keys.required) {
        if (!env[key]) error(cw, `${key} is not set: ${isRouter ? 'the router' : 'every subgraph'} needs it (secretKeyRef to Secret supergraph-auth)`);
        else if (!env[key].secret) error(cw, `${key} comes from ${env[key].source}: keys belong in a Secret`);
        else if (typeof env[key].value === 'string') known[key] = env[key].value;
      }
      for (const key of keys.forbidden) if (env[key]) error(cw, `${key} is set (${env[key].source}): ${isRouter ? 'the router' : 'a subgraph'} never reads it, holding it only widens who could forge credentials`);
      for (const key of keys.reads) if (env[key]?.value === '') error(cw, `${key} is an empty string: leave it out when unused (an empty secret or URL fails the configuration check)`);
      for (const problem of secretValueProblems(known, dev, (env.NODE_ENV?.value ?? 'production') === 'production')) error(cw, problem); // the image's default is production
      authValues[entry.name] = known;
      // URLs of the subgraphs this service calls: the router all, a subgraph its sync clients
      let callees = [];
      if (isRouter) callees = subgraphNames;
      else {
        const clients = path.join(ROOT, entry.workspace, 'src', 'infrastructure', 'clients');
        if (fs.existsSync(clients)) callees = fs.readdirSync(clients).map((f) => /^(.+)\.client\.ts$/.exec(f)?.[1]).filter((n) => subgraphNames.includes(n));
      }
      for (const callee of callees) {
        const target = catalog.SUBGRAPHS.find((s) => s.name === callee);
        const wanted = `http://${callee}:${target.defaultPort}/graphql`;
        const url = env[`${callee.toUpperCase()}_URL`]?.value;
        if (url !== wanted) error(cw, `${callee.toUpperCase()}_URL is ${url ?? 'unset'}: ${wanted} (the ${callee} Service) expected`);
      }
      // Service
      if (svc) {
        const sw = svc.where;
        const sel = svc.v.spec?.selector;
        if (!matches(sel, labels)) error(sw, `selector ${JSON.stringify(sel)} does not select the pods of Deployment ${entry.name}`);
        for (const other of deployments) if (other !== dep && matches(sel, podLabels(other))) error(sw, `selector also selects the pods of Deployment ${other.name}`);
        const sp = (svc.v.spec?.ports ?? []).find((p) => p.port === entry.defaultPort);
        if (!sp) error(sw, `no port ${entry.defaultPort}`);
        else if (resolvePort(sp.targetPort ?? sp.port)?.containerPort !== port) error(sw, `port ${sp.port} targetPort ${sp.targetPort} is not container port ${port} of Deployment ${entry.name}`);
      }
    }
    for (const problem of sharedSecretProblems(authValues)) error(rel(dir), problem);
    // HPAs
    for (const name of ['router', 'booking']) if (!hpas.some((h) => h.v.spec?.scaleTargetRef?.name === name)) error(rel(dir), `no HorizontalPodAutoscaler for Deployment ${name}`);
    for (const pdbName of ['router']) if (!pdbs.some((p) => deployments.some((d) => d.name === pdbName && matches(p.v.spec?.selector?.matchLabels, podLabels(d))))) error(rel(dir), `no PodDisruptionBudget selects the ${pdbName} pods`);
  }
  for (const h of hpas) {
    const ref = h.v.spec?.scaleTargetRef ?? {};
    const target = deployments.find((d) => d.name === ref.name);
    if (ref.kind !== 'Deployment' || ref.apiVersion !== 'apps/v1' || !target) {
      error(h.where, `scaleTargetRef ${ref.apiVersion}/${ref.kind}/${ref.name} is not a Deployment of these manifests`);
      continue;
    }
    const { minReplicas: min = 1, maxReplicas: max } = h.v.spec;
    if (min < 2) error(h.where, `minReplicas ${min}: at least 2 (no single point of failure)`);
    if (max < min) error(h.where, `maxReplicas ${max} < minReplicas ${min}`);
    if (!h.v.spec.metrics?.length) error(h.where, 'no metrics');
    if (target.v.spec?.replicas !== undefined) error(target.where, `spec.replicas is set while HorizontalPodAutoscaler ${h.name} scales it (every apply would reset the replica count)`);
    for (const m of h.v.spec.metrics ?? []) {
      const r = m.resource;
      if (m.type === 'Resource' && r?.target?.type === 'Utilization')
        for (const c of target.v.spec?.template?.spec?.containers ?? []) if (!c.resources?.requests?.[r.name]) error(h.where, `${r.name} utilization needs resources.requests.${r.name} on container ${c.name}`);
    }
  }
  // PDBs
  for (const p of pdbs) {
    const selected = deployments.filter((d) => matches(p.v.spec?.selector?.matchLabels, podLabels(d)));
    if (selected.length !== 1) {
      error(p.where, `selector selects the pods of ${selected.length} Deployments (${selected.map((d) => d.name).join(', ') || 'none'}): exactly one expected`);
      continue;
    }
    const min = minReplicas(selected[0]);
    const { minAvailable, maxUnavailable } = p.v.spec;
    if (typeof minAvailable === 'number' && minAvailable >= min) error(p.where, `minAvailable ${minAvailable} >= the ${min} replicas of ${selected[0].name}: no node could ever be drained`);
    if (maxUnavailable !== undefined && isZero(maxUnavailable)) error(p.where, 'maxUnavailable 0: no node could ever be drained');
  }
  for (const name of kustomizeImages) if (!usedImages.has(name)) error('kustomization.yaml', `images: ${name} is used by no Deployment`);

  const count = (kind) => `${of(kind).length} ${kind}`;
  const summary = `${docs.length} documents in ${yamlFiles.length} files: ${['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'ConfigMap', 'Secret'].map(count).join(', ')}`;
  return { errors, summary };
}

module.exports = { validateK8s };

if (require.main === module) {
  const dir = path.resolve(process.argv[2] ?? path.join(ROOT, 'docker', 'k8s'));
  const { errors, summary } = validateK8s(dir);
  if (errors.length) {
    process.stderr.write(`${rel(dir)}: ${errors.length} problem(s)\n`);
    for (const e of errors) process.stderr.write(`  - ${e}\n`);
    process.exit(1);
  }
  process.stdout.write(`${rel(dir)}: OK (${summary}; Kubernetes 1.27 schemas from kubernetes-models, unknown fields rejected; wiring checked against the kernel catalog and compose)\n`);
}
