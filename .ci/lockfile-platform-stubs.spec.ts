import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const script = join(__dirname, 'lockfile-platform-stubs.cjs');
const lockfile = readFileSync(join(__dirname, '..', 'package-lock.json'), 'utf8');

/** `.ci/lockfile-platform-stubs.cjs` on a copy of the repository's lockfile. */
describe('lockfile-platform-stubs', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lock-stubs-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('re-adds a platform stub npm wrote, byte for byte as npm writes it (so npm install leaves the file unchanged)', () => {
    const lock = JSON.parse(lockfile);
    const stubs = Object.keys(lock.packages).filter((key) => /^node_modules\/@swc\/core-(darwin|win32)-/.test(key) && !lock.packages[key].resolved);
    expect(stubs.length).toBeGreaterThan(0); // entries the registry here cannot serve: npm keeps them as stubs
    for (const key of stubs) delete lock.packages[key];
    const path = join(dir, 'package-lock.json');
    writeFileSync(path, `${JSON.stringify(lock, null, 2)}\n`);

    expect(() => execFileSync(process.execPath, [script, '--check', path], { stdio: 'pipe' })).toThrow();
    execFileSync(process.execPath, [script, path], { stdio: 'pipe' });
    expect(readFileSync(path, 'utf8')).toBe(lockfile);
    expect(execFileSync(process.execPath, [script, '--check', path], { encoding: 'utf8' })).toMatch(/every optional platform dependency has an entry/);
  });
});
