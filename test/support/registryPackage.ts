/**
 * npm packages fetched outside the project's install into the gitignored `.cache/bench-deps`:
 * written whole or not at all, and other platforms' binary packages (npm install refuses a
 * package for another OS or CPU, so they are unpacked from `npm pack`) for their VSIXes.
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const BENCH_DEPS = path.join(REPO_ROOT, '.cache', 'bench-deps');
export const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** The version in `dir`'s package.json, or '' when there is none. */
export function versionAt(dir: string): string {
  try {
    return (JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string }).version;
  } catch {
    return '';
  }
}

/**
 * Fills `dir` through `fill(tmp)` in a sibling folder, then renames: a killed or concurrent
 * install leaves no half-written `dir`. `done` says whether `dir` is complete.
 */
export function installAtomically(dir: string, done: () => boolean, fill: (tmp: string) => void): void {
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp, { recursive: true });
  try {
    fill(tmp);
    fs.rmSync(dir, { recursive: true, force: true });
    fs.renameSync(tmp, dir);
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (!done()) throw err; // else another process finished first
  }
}

/** `name@version` unpacked into `dir` from the registry, once. */
export function unpackedPackage(name: string, version: string, dir: string, log: (s: string) => void = console.error): string {
  if (versionAt(dir) === version) return dir;
  log(`fetching ${name}@${version} into ${dir} ...`);
  installAtomically(dir, () => versionAt(dir) === version, (tmp) => {
    const tarball = execFileSync(npm, ['pack', '--silent', `${name}@${version}`, '--pack-destination', tmp], { cwd: tmp, encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', tarball, '--strip-components=1'], { cwd: tmp });
    fs.rmSync(path.join(tmp, tarball));
  });
  return dir;
}
