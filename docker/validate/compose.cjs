#!/usr/bin/env node
/**
 * Static check of docker/compose.yml without a Docker engine (run by docker/validate.sh).
 *
 *   node docker/validate/compose.cjs [--schema=required|auto|skip] [compose file]
 *
 * 1. Parses the YAML (anchors and `<<` merge keys, duplicate keys rejected) and applies Compose
 *    interpolation (`${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `${VAR:+alt}`,
 *    `$VAR`, `$$`) with an EMPTY environment plus docker/.env if present, so the file is checked as
 *    committed, with its own defaults.
 * 2. Validates the result against the Compose Specification JSON schema vendored beside this file
 *    (compose-spec.schema.json, copied from compose-spec/compose-go schema/compose-spec.json, the
 *    schema `docker compose` itself embeds; Apache-2.0) with ajv (draft 2020-12).
 *    `--schema=skip` when `docker compose config` already did it; `auto` skips when ajv is missing.
 * 3. Checks what `docker compose config` does not: depends_on targets exist, no cycles,
 *    `service_healthy` targets have a healthcheck, named volumes are declared, build context,
 *    Dockerfile and build args exist, and the wiring against the kernel catalog
 *    (packages/kernel/src/catalog.ts): one service per catalog entry built from its workspace, each
 *    subgraph's store of the kind of its polyglot profile on a service of that kind (SQLite on a
 *    volume), REDIS_URL on a compose service, every `<NAME>_URL` pointing at
 *    http://<name>:<port>/graphql, the router knowing every subgraph and waiting for each to be
 *    healthy, every sync client (`src/infrastructure/clients/<context>.client.ts`) configured, and
 *    the authentication keys each service reads (docker/validate/auth-keys.cjs: router
 *    ROUTER_CREDENTIAL_SECRET + JWT_SECRET, subgraphs ROUTER_CREDENTIAL_SECRET +
 *    SERVICE_CREDENTIAL_SECRET) present, passed through (`NAME:`) or ≥ 32 characters, never an
 *    empty string, no key a service does not read, one value per key and a different one per key.
 *
 * Exit 0 when valid; 1 listing every problem otherwise; 2 on a usage or setup error.
 * Needs the root devDependencies `yaml` and `ajv` (and `typescript` to read the catalog).
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { authKeys, devSecrets, secretValueProblems, sharedSecretProblems } = require('./auth-keys.cjs');

const ROOT = path.resolve(__dirname, '..', '..');
const args = process.argv.slice(2);
const schemaMode = (args.find((a) => a.startsWith('--schema=')) ?? '--schema=required').slice('--schema='.length);
const file = path.resolve(args.find((a) => !a.startsWith('--')) ?? path.join(ROOT, 'docker', 'compose.yml'));
if (!['required', 'auto', 'skip'].includes(schemaMode)) usage(`unknown --schema=${schemaMode}`);

const rel = (p) => path.relative(ROOT, p) || '.';
const errors = [];
const warnings = [];
let summary = '';
/** Hides passwords of URLs in messages (`//user:***@host`). */
const mask = (message) => String(message).replace(/(\/\/[^/:@\s]+):[^@\s]*@/g, '$1:***@');
const error = (where, message) => errors.push(`${where}: ${mask(message)}`);
const warn = (where, message) => warnings.push(`${where}: ${mask(message)}`);

function usage(message) {
  process.stderr.write(`${message}\nusage: node docker/validate/compose.cjs [--schema=required|auto|skip] [compose.yml]\n`);
  process.exit(2);
}

/** Loads a root devDependency or explains exactly what to add. */
function need(name, why) {
  try {
    return require(require.resolve(name, { paths: [ROOT, ...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean)] }));
  } catch {
    process.stderr.write(`docker/validate: cannot load '${name}' (${why}).\nAdd it to the root devDependencies: npm install --save-dev ${name.split('/')[0]}\n`);
    process.exit(2);
  }
}

// ---------------------------------------------------------------------------------------------
// 1. YAML + interpolation

const YAML = need('yaml', 'YAML parser');
const text = fs.readFileSync(file, 'utf8');
const doc = YAML.parseDocument(text, { merge: true, uniqueKeys: true, prettyErrors: true });
if (doc.errors.length) {
  for (const e of doc.errors) error(rel(file), e.message);
  finish();
}
const raw = doc.toJS({ maxAliasCount: 1000 });
if (!raw || typeof raw !== 'object') {
  error(rel(file), 'not a YAML mapping');
  finish();
}

/** docker/.env next to the compose file, as `docker compose` reads it (KEY=VALUE lines). */
function dotenv(dir) {
  const envFile = path.join(dir, '.env');
  const vars = {};
  if (!fs.existsSync(envFile)) return vars;
  for (const line of fs.readFileSync(envFile, 'utf8').split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (m) vars[m[1]] = m[2].replace(/^(['"])(.*)\1$/, '$2');
  }
  return vars;
}
const env = dotenv(path.dirname(file));

/** Compose interpolation of one string; `where` names the YAML path for messages. */
function interpolate(value, where) {
  let out = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c !== '$') {
      out += c;
      continue;
    }
    const next = value[i + 1];
    if (next === '$') {
      out += '$';
      i++;
    } else if (next === '{') {
      let depth = 1;
      let j = i + 2;
      for (; j < value.length && depth; j++) {
        if (value[j] === '{') depth++;
        else if (value[j] === '}') depth--;
      }
      if (depth) {
        error(where, `unterminated \${ in "${value}"`);
        return value;
      }
      out += substitute(value.slice(i + 2, j - 1), where);
      i = j - 1;
    } else if (next && /[A-Za-z_]/.test(next)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(value.slice(i + 1));
      out += lookup(m[0], where) ?? '';
      i += m[0].length;
    } else {
      out += '$';
    }
  }
  return out;
}

function lookup(name, where) {
  if (Object.prototype.hasOwnProperty.call(env, name)) return env[name];
  warn(where, `variable ${name} is not set and has no default (blank string)`);
  return undefined;
}

function substitute(expr, where) {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([\s\S]*))?$/.exec(expr);
  if (!m) {
    error(where, `invalid interpolation \${${expr}}`);
    return '';
  }
  const [, name, op, arg = ''] = m;
  const set = Object.prototype.hasOwnProperty.call(env, name);
  const value = set ? env[name] : undefined;
  const present = op && op.startsWith(':') ? set && value !== '' : set;
  switch (op) {
    case undefined:
      return lookup(name, where) ?? '';
    case ':-':
    case '-':
      return present ? value : interpolate(arg, where);
    case ':?':
    case '?':
      if (!present) error(where, `required variable ${name} is missing: ${arg}`);
      return value ?? '';
    case ':+':
    case '+':
      return present ? interpolate(arg, where) : '';
  }
  return '';
}

function walk(node, where) {
  if (typeof node === 'string') return interpolate(node, where);
  if (Array.isArray(node)) return node.map((item, i) => walk(item, `${where}[${i}]`));
  if (node && typeof node === 'object') {
    return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, walk(v, where ? `${where}.${k}` : k)]));
  }
  return node;
}
const compose = walk(raw, '');

// ---------------------------------------------------------------------------------------------
// 2. Compose Specification schema

let schemaChecked = 'skipped (docker compose config did it)';
if (schemaMode !== 'skip') {
  let Ajv2020;
  try {
    Ajv2020 = require(require.resolve('ajv/dist/2020', { paths: [ROOT, ...(process.env.NODE_PATH ?? '').split(path.delimiter).filter(Boolean)] }));
  } catch {
    if (schemaMode === 'required') need('ajv/dist/2020', 'JSON-schema validator for the Compose Specification');
  }
  if (Ajv2020) {
    const Ajv = Ajv2020.default ?? Ajv2020;
    const ajv = new Ajv({ strict: false, allErrors: true });
    const schema = JSON.parse(fs.readFileSync(path.join(__dirname, 'compose-spec.schema.json'), 'utf8'));
    const validate = ajv.compile(schema);
    if (!validate(compose)) {
      // Report the most specific failures (deepest paths), as docker compose does.
      const deepest = Math.max(...validate.errors.map((e) => e.instancePath.split('/').length));
      const seen = new Set();
      for (const e of validate.errors.filter((x) => x.instancePath.split('/').length >= deepest - 1)) {
        const where = e.instancePath.replace(/^\//, '').replace(/\//g, '.') || '(root)';
        const detail = e.params?.additionalProperty ? ` '${e.params.additionalProperty}'` : e.params?.allowedValues ? ` (${e.params.allowedValues.join(', ')})` : '';
        const line = `${where}: ${e.message}${detail}`;
        if (!seen.has(line)) error('schema', line), seen.add(line);
      }
    }
    schemaChecked = 'compose-spec JSON schema (ajv)';
  } else {
    schemaChecked = 'SKIPPED: ajv not installed';
    warn('schema', 'ajv is not installed: the Compose Specification schema was not checked');
  }
}

// The checks below assume the shapes the schema guarantees.
if (errors.length) finish();

// ---------------------------------------------------------------------------------------------
// 3. Structure and wiring

const services = compose.services ?? {};
const names = Object.keys(services);
summary = `${names.length} services`;
const declaredVolumes = new Set(Object.keys(compose.volumes ?? {}));

/** The service's environment as a map (list or map form); null values = passed through. */
function environment(service) {
  const e = service.environment ?? {};
  if (!Array.isArray(e)) return e;
  return Object.fromEntries(e.map((item) => (item.includes('=') ? [item.slice(0, item.indexOf('=')), item.slice(item.indexOf('=') + 1)] : [item, null])));
}

/** depends_on as a map name -> { condition }. */
function dependsOn(service) {
  const d = service.depends_on ?? {};
  return Array.isArray(d) ? Object.fromEntries(d.map((n) => [n, { condition: 'service_started' }])) : d;
}

/** Volume mounts as { source, target, type }. */
function mounts(service) {
  return (service.volumes ?? []).map((v) => {
    if (typeof v !== 'string') return { source: v.source, target: v.target, type: v.type ?? 'volume' };
    const [source, target] = v.split(':');
    if (target === undefined) return { source: undefined, target: source, type: 'volume' };
    const type = /^[./~]/.test(source) ? 'bind' : 'volume';
    return { source, target, type };
  });
}

/** ARG names a Dockerfile declares (any stage). */
function dockerfileArgs(dockerfile) {
  const names = new Set();
  for (const line of fs.readFileSync(dockerfile, 'utf8').split(/\r?\n/)) {
    const m = /^\s*ARG\s+([A-Za-z_][A-Za-z0-9_]*)/i.exec(line);
    if (m) names.add(m[1]);
  }
  return names;
}
const dockerfileHasHealthcheck = (dockerfile) => /^\s*HEALTHCHECK\s+(?!NONE\b)/im.test(fs.readFileSync(dockerfile, 'utf8'));

/** Root package.json workspace globs ("packages/*") expanded to folders. */
function workspaces() {
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const globs = Array.isArray(pkg.workspaces) ? pkg.workspaces : (pkg.workspaces?.packages ?? []);
  const found = new Set();
  for (const glob of globs) {
    let dirs = [''];
    for (const segment of glob.split('/')) {
      const re = new RegExp(`^${segment.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
      dirs = dirs.flatMap((d) => {
        const abs = path.join(ROOT, d);
        if (!/[*?]/.test(segment)) return fs.existsSync(path.join(abs, segment)) ? [path.join(d, segment)] : [];
        return fs.existsSync(abs) ? fs.readdirSync(abs, { withFileTypes: true }).filter((x) => x.isDirectory() && re.test(x.name)).map((x) => path.join(d, x.name)) : [];
      });
    }
    for (const d of dirs) if (fs.existsSync(path.join(ROOT, d, 'package.json'))) found.add(d.split(path.sep).join('/'));
  }
  return found;
}
const workspaceDirs = workspaces();

const healthy = (name) => {
  const s = services[name];
  if (!s) return false;
  if (s.healthcheck) return !s.healthcheck.disable && !(Array.isArray(s.healthcheck.test) && s.healthcheck.test[0] === 'NONE');
  if (s.build) {
    const ctx = path.resolve(path.dirname(file), typeof s.build === 'string' ? s.build : (s.build.context ?? '.'));
    const df = path.resolve(ctx, s.build.dockerfile ?? 'Dockerfile');
    return fs.existsSync(df) && dockerfileHasHealthcheck(df);
  }
  return false;
};

for (const [name, service] of Object.entries(services)) {
  const at = `services.${name}`;
  if (!service.image && !service.build) error(at, 'needs image or build');

  for (const [dep, spec] of Object.entries(dependsOn(service))) {
    if (!services[dep]) error(`${at}.depends_on`, `unknown service '${dep}'`);
    else if (spec?.condition === 'service_healthy' && !healthy(dep)) error(`${at}.depends_on.${dep}`, `condition service_healthy but '${dep}' has no healthcheck`);
  }

  for (const m of mounts(service)) {
    if (m.type === 'volume' && m.source && !declaredVolumes.has(m.source)) error(`${at}.volumes`, `named volume '${m.source}' is not declared under top-level volumes`);
    if (m.type === 'bind' && m.source && !fs.existsSync(path.resolve(path.dirname(file), m.source))) error(`${at}.volumes`, `bind source ${m.source} does not exist`);
  }

  if (service.build) {
    const build = typeof service.build === 'string' ? { context: service.build } : service.build;
    const ctx = path.resolve(path.dirname(file), build.context ?? '.');
    if (!fs.existsSync(ctx)) error(`${at}.build.context`, `${rel(ctx)} does not exist`);
    const dockerfile = path.resolve(ctx, build.dockerfile ?? 'Dockerfile');
    if (!fs.existsSync(dockerfile)) error(`${at}.build.dockerfile`, `${rel(dockerfile)} does not exist`);
    else {
      const declared = dockerfileArgs(dockerfile);
      const buildArgs = Array.isArray(build.args) ? Object.fromEntries(build.args.map((a) => a.split('='))) : (build.args ?? {});
      for (const arg of Object.keys(buildArgs)) if (!declared.has(arg)) error(`${at}.build.args`, `${arg} is not an ARG of ${rel(dockerfile)}`);
      const workspace = buildArgs.SERVICE_WORKSPACE;
      if (declared.has('SERVICE_WORKSPACE') && !workspace) error(`${at}.build.args`, 'SERVICE_WORKSPACE is required by the Dockerfile');
      if (workspace) {
        if (!workspaceDirs.has(workspace)) error(`${at}.build.args.SERVICE_WORKSPACE`, `'${workspace}' is not a workspace of the root package.json`);
        else if (!fs.existsSync(path.join(ROOT, workspace, 'src', 'main.ts'))) warn(`${at}.build.args.SERVICE_WORKSPACE`, `${workspace}/src/main.ts does not exist yet: the image build would fail`);
      }
    }
  }
}

// depends_on cycles
{
  const state = {};
  const visit = (n, trail) => {
    if (state[n] === 'done' || !services[n]) return;
    if (state[n] === 'active') {
      error('depends_on', `cycle ${[...trail.slice(trail.indexOf(n)), n].join(' -> ')}`);
      return;
    }
    state[n] = 'active';
    for (const dep of Object.keys(dependsOn(services[n]))) visit(dep, [...trail, n]);
    state[n] = 'done';
  };
  for (const n of names) visit(n, []);
}

// Catalog wiring
const catalog = loadCatalog();
if (catalog) {
  const entries = [catalog.ROUTER, ...catalog.SUBGRAPHS];
  const byName = Object.fromEntries(entries.map((e) => [e.name, e]));
  const envName = (service, suffix) => `${service.toUpperCase()}_${suffix}`;
  const buildArg = (s, key) => (typeof s.build === 'object' && !Array.isArray(s.build.args) ? s.build.args?.[key] : undefined);
  const portOf = (entry) => {
    const v = services[entry.name] && environment(services[entry.name])[envName(entry.name, 'PORT')];
    return v === undefined || v === null || v === '' ? entry.defaultPort : Number(v);
  };
  const hostIsService = (url, at, variable) => {
    let host;
    try {
      host = new URL(url).hostname;
    } catch {
      error(at, `${variable}=${url} is not a URL`);
      return undefined;
    }
    if (!services[host]) error(at, `${variable} points at '${host}', which is not a service of this file`);
    return host;
  };
  const imageOf = (name) => String(services[name]?.image ?? '');
  const dev = devSecrets(ROOT);
  /** Service -> { authentication key -> its value, or `<KEY from the shell>` when passed through }. */
  const authValues = {};

  for (const entry of entries) {
    const at = `services.${entry.name}`;
    const service = services[entry.name];
    if (!service) {
      error('services', `no service '${entry.name}' for catalog entry ${entry.workspace} (packages/kernel/src/catalog.ts)`);
      continue;
    }
    const vars = environment(service);
    if (buildArg(service, 'SERVICE_WORKSPACE') !== entry.workspace) error(`${at}.build.args.SERVICE_WORKSPACE`, `must be '${entry.workspace}' (catalog), got '${buildArg(service, 'SERVICE_WORKSPACE')}'`);
    if (vars.SERVICE_HOST !== undefined && vars.SERVICE_HOST !== '0.0.0.0') error(`${at}.environment`, 'SERVICE_HOST must be 0.0.0.0 in a container');

    // Authentication keys: exactly those the service reads, passed through (null) or set.
    const keys = authKeys(entry === catalog.ROUTER, false);
    const known = {};
    const shared = {};
    for (const key of keys.required) {
      if (!(key in vars)) error(`${at}.environment`, `${key} is missing: pass it through from the shell or docker/.env (\`${key}:\` with no value)`);
      else if (vars[key] === null) shared[key] = `<${key} from the shell>`;
      else if (vars[key] !== '') known[key] = shared[key] = String(vars[key]);
    }
    for (const key of keys.forbidden) if (key in vars) error(`${at}.environment`, `${key} is set: ${entry.name} never reads it, holding it only widens who could forge credentials`);
    for (const key of keys.reads) if (vars[key] === '') error(`${at}.environment.${key}`, `empty string (an empty secret or URL fails the configuration check): set a value or pass it through with \`${key}:\` (no value, not \`\${${key}:-}\`)`);
    for (const problem of secretValueProblems(known, dev, vars.NODE_ENV === 'production')) error(`${at}.environment`, problem);
    authValues[entry.name] = shared;

    const port = portOf(entry);
    if (!Number.isInteger(port) || port <= 0) error(`${at}.environment`, `${envName(entry.name, 'PORT')} is not a port`);

    // Every <NAME>_URL of a catalog service must reach that service's GraphQL endpoint.
    for (const [variable, value] of Object.entries(vars)) {
      const m = /^([A-Z0-9]+)_URL$/.exec(variable);
      const target = m && byName[m[1].toLowerCase()];
      if (!target || m[1] === 'REDIS' || value === null) continue;
      const expected = `http://${target.name}:${portOf(target)}/graphql`;
      if (value !== expected) error(`${at}.environment.${variable}`, `expected ${expected}, got ${value}`);
    }

    // Sync clients by convention: src/infrastructure/clients/<context>.client.ts
    const clients = path.join(ROOT, entry.workspace, 'src', 'infrastructure', 'clients');
    if (fs.existsSync(clients)) {
      for (const f of fs.readdirSync(clients)) {
        const m = /^([a-z0-9-]+)\.client\.ts$/.exec(f);
        if (m && byName[m[1]] && !(envName(m[1], 'URL') in vars)) error(`${at}.environment`, `${entry.workspace} calls ${m[1]} (${f}) but ${envName(m[1], 'URL')} is not set`);
      }
    }

    if (entry === catalog.ROUTER) {
      for (const sub of catalog.SUBGRAPHS) {
        if (!(envName(sub.name, 'URL') in vars)) error(`${at}.environment`, `${envName(sub.name, 'URL')} is missing (the router would call 127.0.0.1)`);
        if (dependsOn(service)[sub.name]?.condition !== 'service_healthy') error(`${at}.depends_on`, `must wait for '${sub.name}' with condition service_healthy`);
      }
      const published = (service.ports ?? []).some((p) => (typeof p === 'object' ? Number(p.target) === port : Number(String(p).split(':').pop().split('/')[0]) === port));
      if (!published) error(`${at}.ports`, `the router's port ${port} is not published`);
      continue;
    }

    // Subgraph: Redis and its store.
    if (!vars.REDIS_URL) error(`${at}.environment`, 'REDIS_URL is missing (default 127.0.0.1 is not reachable in a container)');
    else {
      const host = hostIsService(vars.REDIS_URL, `${at}.environment`, 'REDIS_URL');
      if (host && services[host] && !/redis/.test(imageOf(host))) error(`${at}.environment`, `REDIS_URL points at '${host}', which does not run a redis image`);
      if (host && dependsOn(service)[host]?.condition !== 'service_healthy') error(`${at}.depends_on`, `must wait for '${host}' (REDIS_URL) with condition service_healthy`);
    }
    let url;
    try {
      url = catalog.storeUrl(entry, Object.fromEntries(Object.entries(vars).filter(([, v]) => v !== null).map(([k, v]) => [k, String(v)])));
    } catch (e) {
      error(`${at}.environment`, e.message);
      continue;
    }
    const kind = /^postgres(ql)?:\/\//.test(url) ? 'postgresql' : /^(mysql|mariadb):\/\//.test(url) ? 'mysql' : 'sqlite';
    if (entry.polyglotStore && kind !== entry.polyglotStore) error(`${at}.environment`, `store ${url} is ${kind}; the polyglot profile puts ${entry.name} on ${entry.polyglotStore}`);
    if (kind === 'sqlite') {
      const filePath = url.replace(/^(sqlite|file):(\/\/)?/, '');
      const onVolume = path.posix.isAbsolute(filePath) && mounts(service).some((m) => filePath.startsWith(m.target.replace(/\/?$/, '/')));
      if (!onVolume) error(`${at}.environment`, `SQLite file ${filePath} is not on a mounted volume (data would be lost with the container)`);
    } else {
      const host = hostIsService(url, `${at}.environment`, envName(entry.name, 'DB_URL'));
      const image = host ? imageOf(host) : '';
      const wanted = kind === 'postgresql' ? /postgres/ : /mariadb|mysql/;
      if (host && services[host] && !wanted.test(image)) error(`${at}.environment`, `${kind} store on '${host}', whose image is '${image}'`);
      if (host && dependsOn(service)[host]?.condition !== 'service_healthy') error(`${at}.depends_on`, `must wait for its store '${host}' with condition service_healthy`);
    }
  }
  for (const problem of sharedSecretProblems(authValues)) error('services', problem);
}

/**
 * The kernel catalog, loaded from its TypeScript source (dist may not be built yet): `.ts` files
 * are transpiled on require with `typescript` (types are not checked; tsc does that in the build).
 */
function loadCatalog() {
  const source = path.join(ROOT, 'packages', 'kernel', 'src', 'catalog.ts');
  if (!fs.existsSync(source)) {
    warn('catalog', `${rel(source)} not found: wiring checks skipped`);
    return undefined;
  }
  const ts = need('typescript', 'to read packages/kernel/src/catalog.ts');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  // eslint-disable-next-line n/no-deprecated-api -- the smallest TS loader for one check script
  require.extensions['.ts'] = (mod, filename) => {
    mod._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { compilerOptions, fileName: filename }).outputText, filename);
  };
  let exports;
  try {
    exports = require(source);
  } catch (e) {
    error('catalog', `cannot load ${rel(source)}: ${e.message.split('\n')[0]}`);
    return undefined;
  }
  const { ROUTER, SUBGRAPHS, storeUrl } = exports;
  if (!ROUTER || !Array.isArray(SUBGRAPHS) || typeof storeUrl !== 'function') {
    error('catalog', `${rel(source)} no longer exports ROUTER, SUBGRAPHS and storeUrl: update docker/validate/compose.cjs`);
    return undefined;
  }
  return { ROUTER, SUBGRAPHS, storeUrl };
}

finish();

function finish() {
  for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
  if (errors.length) {
    process.stderr.write(`${rel(file)}: ${errors.length} problem(s)\n`);
    for (const e of errors) process.stderr.write(`  - ${e}\n`);
    process.exit(1);
  }
  process.stdout.write(`${rel(file)}: OK (${summary}; schema: ${schemaChecked}; wiring checked against the kernel catalog)\n`);
  process.exit(0);
}
