#!/usr/bin/env node
// `prestart`: makes `npm start` work right after a fresh clone. Runs `npm install` when
// node_modules is missing or older than package-lock.json; otherwise returns at once.
// Node built-ins only: it runs before anything is installed.
'use strict';
const { spawnSync } = require('node:child_process');
const { statSync, utimesSync } = require('node:fs');
const { join, resolve } = require('node:path');

const root = resolve(__dirname, '..');
const lockfile = join(root, 'package-lock.json');
// npm rewrites its hidden lockfile on every install that changes node_modules.
const installed = join(root, 'node_modules', '.package-lock.json');

/** Modification time of `path` in ms, or undefined when it does not exist. */
function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return undefined;
  }
}

/** Why an install is needed, or undefined when node_modules is current. */
function reason() {
  const stamp = mtime(installed) ?? mtime(join(root, 'node_modules'));
  if (stamp === undefined) return 'node_modules is missing';
  const lock = mtime(lockfile);
  if (lock !== undefined && lock > stamp) return 'package-lock.json is newer than node_modules';
  return undefined;
}

const why = reason();
if (why !== undefined) {
  process.stdout.write(`${why}: running npm install\n`);
  // Under `npm start`, npm_execpath is the npm that runs us; use the same one.
  const npmCli = process.env.npm_execpath;
  const result = npmCli
    ? spawnSync(process.execPath, [npmCli, 'install'], { cwd: root, stdio: 'inherit' })
    : spawnSync('npm', ['install'], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
  if (result.status !== 0) {
    process.stderr.write(`npm install failed (${result.error ? result.error.message : `exit status ${result.status}`}); fix the error above and run npm start again\n`);
    process.exit(result.status || 1);
  }
  // An install that changed nothing leaves the stamp old: touch it so the next start is quick.
  const now = new Date();
  if (mtime(installed) !== undefined) utimesSync(installed, now, now);
}
