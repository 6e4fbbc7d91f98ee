#!/usr/bin/env node
/**
 * Makes package-lock.json acceptable to `npm ci` when the registry reachable here lacks some
 * platform binaries of optional dependencies (e.g. @swc/core-darwin-arm64, @turbo/windows-64 answer
 * 404). `npm install` then leaves them out of the lockfile, and `npm ci` refuses the lockfile on
 * every machine: "Missing: @swc/core-darwin-arm64@ from lock file".
 *
 *   node .ci/lockfile-platform-stubs.cjs            add the missing entries (then commit the lockfile)
 *   node .ci/lockfile-platform-stubs.cjs --check    exit 1 when entries are missing, change nothing
 *   … [--check] <path>                               work on another lockfile than the repository's
 *
 * For each optional dependency `<name>@<version>` of a locked package that has no lockfile entry,
 * it adds `node_modules/<name>` with that version, `optional: true`, the parent's dev flags and the
 * os/cpu/libc read from the package name (darwin-arm64, linux-x64-gnu, win32-x64-msvc, …), so
 * npm skips it on other platforms and, on its own platform, fetches it by name and version.
 * The file is written the way npm writes it (`stringifyAsNpm`), so a later `npm install` keeps
 * such entries byte for byte. Re-run after upgrading a package with platform binaries.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const args = process.argv.slice(2);
const check = args.includes('--check');
const lockPath = path.resolve(args.find((arg) => !arg.startsWith('--')) ?? path.join(__dirname, '..', 'package-lock.json'));
const lock = JSON.parse(fs.readFileSync(lockPath, 'utf8'));
const packages = lock.packages ?? {};

const OS = [
  [/(^|-)(darwin|macos)(-|$)/, 'darwin'],
  [/(^|-)(win32|windows)(-|$)/, 'win32'],
  [/(^|-)linux(-|$)/, 'linux'],
  [/(^|-)freebsd(-|$)/, 'freebsd'],
  [/(^|-)android(-|$)/, 'android'],
];
const CPU = [
  [/(^|-)arm64(-|$)/, 'arm64'],
  [/(^|-)(x64|64|amd64)(-|$)/, 'x64'],
  [/(^|-)ia32(-|$)/, 'ia32'],
  [/(^|-)arm(-|$)/, 'arm'],
  [/(^|-)ppc64(le)?(-|$)/, 'ppc64'],
  [/(^|-)s390x(-|$)/, 's390x'],
  [/(^|-)riscv64(-|$)/, 'riscv64'],
];

/** os/cpu/libc of a platform package from its name, or null when the name does not tell. */
function platformOf(name) {
  const base = name.split('/').pop();
  const os = OS.find(([re]) => re.test(base))?.[1];
  const cpu = CPU.find(([re]) => re.test(base))?.[1];
  if (!os || !cpu) return null;
  const libc = os === 'linux' ? (/musl/.test(base) ? 'musl' : /gnu/.test(base) ? 'glibc' : undefined) : undefined;
  return { os: [os], cpu: [cpu], ...(libc ? { libc: [libc] } : {}) };
}

/** Keys npm writes first, in this order, wherever they occur (@npmcli/arborist shrinkwrap.js `swKeyOrder`). */
const NPM_KEY_ORDER = ['name', 'version', 'lockfileVersion', 'resolved', 'integrity', 'requires', 'packages', 'dependencies'];

/**
 * JSON text of a lockfile as npm writes it (json-stringify-nice with `NPM_KEY_ORDER`): in every
 * object the keys of `NPM_KEY_ORDER` first, in that order, then the others by `localeCompare`,
 * keys whose value is an object (not an array) after all the others; two-space indent and a
 * final newline. Applied to the whole file, it places the `packages` entries in npm's order too.
 */
function stringifyAsNpm(value) {
  const isObject = (v) => v !== null && typeof v === 'object' && !Array.isArray(v);
  const rank = (key) => (NPM_KEY_ORDER.includes(key) ? NPM_KEY_ORDER.indexOf(key) : NPM_KEY_ORDER.length);
  const compare = ([a, av], [b, bv]) =>
    isObject(av) !== isObject(bv) ? (isObject(av) ? 1 : -1) : rank(a) - rank(b) || (rank(a) === NPM_KEY_ORDER.length ? a.localeCompare(b, 'en') : 0);
  const sort = (_key, v) => (isObject(v) ? Object.fromEntries(Object.entries(v).sort(compare)) : v);
  return `${JSON.stringify(value, sort, 2)}\n`;
}

/** Whether `name` resolves from the package at `from` (node_modules lookup up the tree). */
function locked(from, name) {
  for (let dir = from; ; ) {
    if (packages[`${dir ? `${dir}/` : ''}node_modules/${name}`]) return true;
    if (!dir) return false;
    const i = dir.lastIndexOf('/node_modules/');
    dir = i < 0 ? '' : dir.slice(0, i);
  }
}

const added = [];
const unknown = [];
for (const [key, entry] of Object.entries(packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    if (locked(key, name)) continue;
    const platform = platformOf(name);
    if (!platform) {
      unknown.push(`${name}@${version} (optional dependency of ${key || 'the root'})`);
      continue;
    }
    packages[`node_modules/${name}`] = {
      version,
      ...(entry.dev ? { dev: true } : {}),
      ...(entry.devOptional ? { devOptional: true } : {}),
      optional: true,
      ...platform,
    };
    added.push(`${name}@${version} (${[platform.os, platform.cpu, platform.libc].filter(Boolean).join('/')})`);
  }
}

for (const u of unknown) process.stderr.write(`cannot tell the platform of ${u}: add its lockfile entry by hand\n`);
if (!added.length) {
  process.stdout.write('package-lock.json: every optional platform dependency has an entry\n');
  process.exit(unknown.length ? 1 : 0);
}
if (check) {
  process.stderr.write(`package-lock.json lacks ${added.length} optional platform entries (npm ci will refuse it):\n${added.map((a) => `  ${a}\n`).join('')}fix: node .ci/lockfile-platform-stubs.cjs && git add package-lock.json\n`);
  process.exit(1);
}
fs.writeFileSync(lockPath, stringifyAsNpm(lock));
process.stdout.write(`package-lock.json: added ${added.length} optional platform entries:\n${added.map((a) => `  ${a}\n`).join('')}`);
process.exit(unknown.length ? 1 : 0);
