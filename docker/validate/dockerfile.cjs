#!/usr/bin/env node
/**
 * Minimal static lint of docker/Dockerfile without a Docker engine (run by docker/validate.sh).
 *
 *   node docker/validate/dockerfile.cjs [Dockerfile]      (build context = repository root)
 *
 * Checks:
 * - the file parses into instructions (line continuations, comments) and starts with FROM
 *   (after global ARGs); `FROM … AS <name>` stage names are unique;
 * - every COPY/ADD source from the build context exists in the repository, stays inside it, and
 *   is not excluded by /.dockerignore (so the build would not fail with "not found");
 * - every `COPY --from=<stage>` names an earlier stage (or an image);
 * - the final stage runs as a non-root USER and has a HEALTHCHECK and a CMD/ENTRYPOINT;
 * - `ARG NPM_VERSION` matches the root package.json "packageManager" (npm@x.y.z);
 * - the Node base image's major version satisfies the root "engines.node" minimum.
 * No dependencies. Exit 0 when clean, 1 listing every problem.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '..', '..');
const file = path.resolve(process.argv[2] ?? path.join(ROOT, 'docker', 'Dockerfile'));
const rel = (p) => path.relative(ROOT, p) || '.';
const problems = [];
const problem = (line, message) => problems.push(`${rel(file)}:${line}: ${message}`);

// ---------------------------------------------------------------------------------------------
// Parse into instructions

const instructions = [];
{
  const lines = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  let current = null;
  lines.forEach((text, index) => {
    const trimmed = text.trim();
    if (!current && (trimmed === '' || trimmed.startsWith('#'))) return;
    if (current && trimmed.startsWith('#')) return; // comment lines inside a continuation
    const continues = /\\\s*$/.test(text);
    const body = continues ? text.replace(/\\\s*$/, '') : text;
    if (!current) {
      const m = /^\s*([A-Za-z]+)(?:\s+([\s\S]*))?$/.exec(body);
      if (!m) return problem(index + 1, `cannot parse "${trimmed}"`);
      current = { line: index + 1, keyword: m[1].toUpperCase(), args: m[2] ?? '' };
    } else {
      current.args += ` ${body.trim()}`;
    }
    if (!continues) {
      current.args = current.args.trim();
      instructions.push(current);
      current = null;
    }
  });
  if (current) problem(current.line, 'file ends inside a line continuation');
}

const KNOWN = new Set(['FROM', 'RUN', 'CMD', 'LABEL', 'MAINTAINER', 'EXPOSE', 'ENV', 'ADD', 'COPY', 'ENTRYPOINT', 'VOLUME', 'USER', 'WORKDIR', 'ARG', 'ONBUILD', 'STOPSIGNAL', 'HEALTHCHECK', 'SHELL']);
for (const i of instructions) if (!KNOWN.has(i.keyword)) problem(i.line, `unknown instruction ${i.keyword}`);

// ---------------------------------------------------------------------------------------------
// Stages and global ARGs

const globalArgs = {};
const stages = [];
for (const i of instructions) {
  if (i.keyword === 'FROM') {
    const m = /^(?:--platform=\S+\s+)?(\S+)(?:\s+AS\s+(\S+))?\s*$/i.exec(i.args);
    if (!m) {
      problem(i.line, `cannot parse FROM ${i.args}`);
      continue;
    }
    const image = m[1].replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (_, name) => globalArgs[name] ?? `\${${name}}`);
    const name = m[2]?.toLowerCase();
    if (name && stages.some((s) => s.name === name)) problem(i.line, `stage name '${name}' used twice`);
    stages.push({ name, image, line: i.line, instructions: [] });
  } else if (!stages.length) {
    if (i.keyword !== 'ARG') problem(i.line, `${i.keyword} before the first FROM`);
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:=(.*))?$/.exec(i.args);
    if (m) globalArgs[m[1]] = m[2]?.replace(/^(['"])(.*)\1$/, '$2');
  } else {
    stages.at(-1).instructions.push(i);
  }
}
if (!stages.length) problem(1, 'no FROM instruction');

// ---------------------------------------------------------------------------------------------
// .dockerignore (moby/patternmatcher semantics: last match wins, `!` re-includes, a pattern
// matching a parent directory excludes everything below it, `**` spans directories)

const ignoreFile = fs.existsSync(`${file}.dockerignore`) ? `${file}.dockerignore` : path.join(ROOT, '.dockerignore');
const ignorePatterns = fs.existsSync(ignoreFile)
  ? fs
      .readFileSync(ignoreFile, 'utf8')
      .split(/\r?\n/)
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'))
      .map((l) => {
        const negate = l.startsWith('!');
        const pattern = path.posix.normalize((negate ? l.slice(1) : l).trim()).replace(/^\/+/, '').replace(/\/+$/, '');
        return { negate, pattern, re: globToRegExp(pattern) };
      })
  : [];

function globToRegExp(glob) {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const end = glob.indexOf(']', i);
      if (end < 0) re += '\\[';
      else {
        re += glob.slice(i, end + 1).replace(/^\[!/, '[^');
        i = end;
      }
    } else if (c === '\\' && i + 1 < glob.length) re += `\\${glob[++i]}`;
    else re += c.replace(/[.+^${}()|\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** True when `relPath` (posix, relative to the context) is excluded from the build context. */
function ignored(relPath) {
  const parts = relPath.split('/');
  const candidates = parts.map((_, n) => parts.slice(0, n + 1).join('/'));
  let excluded = false;
  for (const p of ignorePatterns) if (candidates.some((c) => p.re.test(c))) excluded = !p.negate;
  return excluded;
}

// ---------------------------------------------------------------------------------------------
// Per-instruction checks

/** Splits `--flag=value` options from the rest of a COPY/ADD argument string (shell or JSON form). */
function copyArgs(args) {
  const flags = {};
  let rest = args;
  for (let m; (m = /^--([a-z-]+)(?:=(\S+))?\s+/.exec(rest)); rest = rest.slice(m[0].length)) flags[m[1]] = m[2] ?? true;
  let words;
  if (rest.startsWith('[')) {
    try {
      words = JSON.parse(rest);
    } catch {
      words = null;
    }
  }
  words ??= rest.split(/\s+/).filter(Boolean);
  return { flags, sources: words.slice(0, -1), dest: words.at(-1) };
}

function existsInContext(source) {
  const clean = path.posix.normalize(source.replace(/^\/+/, '')).replace(/\/+$/, '') || '.';
  if (clean === '..' || clean.startsWith('../')) return { ok: false, why: 'points outside the build context' };
  if (clean === '.') return { ok: true };
  if (!/[*?[]/.test(clean)) {
    if (!fs.existsSync(path.join(ROOT, clean))) return { ok: false, why: 'does not exist in the repository' };
    if (ignored(clean)) return { ok: false, why: `is excluded by ${rel(ignoreFile)}` };
    return { ok: true };
  }
  // Wildcards: at least one match that the .dockerignore keeps.
  let dirs = [''];
  for (const segment of clean.split('/')) {
    const re = globToRegExp(segment);
    dirs = dirs.flatMap((d) => {
      const abs = path.join(ROOT, d);
      if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) return [];
      return fs.readdirSync(abs).filter((n) => re.test(n)).map((n) => (d ? `${d}/${n}` : n));
    });
  }
  const kept = dirs.filter((d) => !ignored(d));
  return kept.length ? { ok: true } : { ok: false, why: dirs.length ? `matches only files excluded by ${rel(ignoreFile)}` : 'matches nothing in the repository' };
}

stages.forEach((stage, index) => {
  for (const i of stage.instructions) {
    if (i.keyword !== 'COPY' && i.keyword !== 'ADD') continue;
    const { flags, sources, dest } = copyArgs(i.args);
    if (!dest || !sources.length) {
      problem(i.line, `${i.keyword} needs a source and a destination`);
      continue;
    }
    if (typeof flags.from === 'string') {
      const from = flags.from.toLowerCase();
      const earlier = stages.slice(0, index).some((s) => s.name === from) || (/^\d+$/.test(from) && Number(from) < index);
      const image = /[:/.]/.test(from);
      if (!earlier && !image) problem(i.line, `--from=${flags.from} is not an earlier stage`);
      continue;
    }
    for (const source of sources) {
      if (i.keyword === 'ADD' && /^(https?:|git@)/.test(source)) continue;
      if (/\$/.test(source)) {
        problem(i.line, `source ${source} uses a variable: cannot be checked statically`);
        continue;
      }
      const { ok, why } = existsInContext(source);
      if (!ok) problem(i.line, `${i.keyword} source '${source}' ${why}`);
    }
  }
});

// Final stage: non-root user, healthcheck, command.
const final = stages.at(-1);
if (final) {
  const last = (kw) => final.instructions.filter((i) => i.keyword === kw).at(-1);
  const user = last('USER');
  if (!user) problem(final.line, 'the final stage has no USER (it would run as root)');
  else if (/^(root|0)(:|$)/.test(user.args)) problem(user.line, `USER ${user.args} is root`);
  const health = last('HEALTHCHECK');
  if (!health || /^NONE\b/i.test(health.args)) problem(final.line, 'the final stage has no HEALTHCHECK');
  if (!last('CMD') && !last('ENTRYPOINT')) problem(final.line, 'the final stage has no CMD or ENTRYPOINT');
}

// Toolchain versions agree with the root package.json.
{
  const pkg = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  const npmArg = instructions.find((i) => i.keyword === 'ARG' && /^NPM_VERSION=/.test(i.args));
  const wanted = /^npm@(\S+)$/.exec(pkg.packageManager ?? '')?.[1];
  if (npmArg && wanted) {
    const value = npmArg.args.slice('NPM_VERSION='.length).replace(/^(['"])(.*)\1$/, '$2');
    if (value !== wanted) problem(npmArg.line, `NPM_VERSION=${value} but package.json packageManager is npm@${wanted}`);
  }
  const minNode = Number(/(\d+)/.exec(pkg.engines?.node ?? '')?.[1] ?? 0);
  for (const stage of stages) {
    const m = /^(?:docker\.io\/)?(?:library\/)?node:(\d+)/.exec(stage.image);
    if (m && Number(m[1]) < minNode) problem(stage.line, `${stage.image} is older than engines.node ${pkg.engines.node}`);
  }
}

if (problems.length) {
  process.stderr.write(`${rel(file)}: ${problems.length} problem(s)\n${problems.map((p) => `  - ${p}\n`).join('')}`);
  process.exit(1);
}
process.stdout.write(`${rel(file)}: OK (${stages.length} stages, ${instructions.length} instructions; COPY sources present and not excluded by ${rel(ignoreFile)})\n`);
