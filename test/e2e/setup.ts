/**
 * Installs what the end-to-end tests need, once, into the gitignored `<repo>/.cache/e2e/`:
 * Debian's chromium (+ the headers code-server's native build needs) through apt, then
 * Node 24 (the `node` npm package, which ships a binary with headers) and code-server built for it.
 * Idempotent: a marker written only after a full success says it is done; a directory lock keeps two
 * mocha processes from installing at once; a killed install (no marker) is simply redone.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withLock } from '../support/installLock';

export const CODE_SERVER_VERSION = '4.139.1';
export const NODE_MAJOR = '24';
export const APT_PACKAGES = ['chromium', 'libkrb5-dev', 'pkg-config', 'build-essential', 'strace', 'iproute2'];
export const CHROMIUM = '/usr/bin/chromium';
export const REPO_ROOT = path.resolve(__dirname, '..', '..');
export const E2E_CACHE = path.join(REPO_ROOT, '.cache', 'e2e');

const MARKER = path.join(E2E_CACHE, 'ready.json');
const LOCK = path.join(E2E_CACHE, 'install.lock');
const LOG = path.join(E2E_CACHE, 'install.log');
const NODE_PKG = path.join(E2E_CACHE, 'node_modules', 'node');
const NODE_BIN = path.join(NODE_PKG, 'bin', 'node');
const CODE_SERVER_BIN = path.join(E2E_CACHE, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

export interface CodeServerInstall {
  /** Node 24 binary to run code-server with. */
  nodeBin: string;
  /** code-server's entry script (run as `nodeBin codeServerBin ...`). */
  codeServerBin: string;
  /** Chromium executable for playwright-core. */
  chromium: string;
}

const say = (s: string): void => {
  process.stderr.write(`[e2e setup] ${s}\n`);
};

/** Environment for children: no npm lifecycle variables (when run under `npm test`) and no tsx loader. */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^npm_/i.test(k) || k === 'INIT_CWD' || k === 'NODE_OPTIONS') continue;
    env[k] = v;
  }
  return { ...env, ...extra };
}

/** Node 24's folder holding `include/node` (the arch-specific package that `node` pulls in). */
function nodeHeadersDir(): string {
  const dir = fs
    .readdirSync(path.join(NODE_PKG, 'node_modules'))
    .map((d) => path.join(NODE_PKG, 'node_modules', d))
    .find((d) => fs.existsSync(path.join(d, 'include', 'node', 'node.h')));
  if (!dir) throw new Error(`no Node headers under ${NODE_PKG}/node_modules/*/include/node`);
  return dir;
}

function result(): CodeServerInstall {
  return { nodeBin: NODE_BIN, codeServerBin: CODE_SERVER_BIN, chromium: CHROMIUM };
}

function isReady(): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(MARKER, 'utf8')) as { codeServer?: string };
    return (
      m.codeServer === CODE_SERVER_VERSION &&
      fs.existsSync(NODE_BIN) &&
      fs.existsSync(CODE_SERVER_BIN) &&
      fs.existsSync(CHROMIUM) &&
      missingAptPackages().length === 0
    );
  } catch {
    return false;
  }
}

function missingAptPackages(): string[] {
  return APT_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

/** Runs a command, its output going to install.log, with a heartbeat line every 30 s. */
function run(cmd: string, args: string[], env: NodeJS.ProcessEnv, label: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const t0 = Date.now();
    fs.appendFileSync(LOG, `\n$ ${cmd} ${args.join(' ')}\n`);
    const log = fs.openSync(LOG, 'a');
    const child = spawn(cmd, args, { env, cwd: E2E_CACHE, stdio: ['ignore', log, log] });
    const beat = setInterval(() => say(`  ... ${label} (${Math.round((Date.now() - t0) / 1000)} s)`), 30_000);
    const done = (err?: Error): void => {
      clearInterval(beat);
      fs.closeSync(log);
      if (!err) {
        say(`  ${label}: done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
        return resolve();
      }
      const tail = fs.readFileSync(LOG, 'utf8').split('\n').slice(-40).join('\n');
      reject(new Error(`${err.message}\n--- last lines of ${LOG} ---\n${tail}`));
    };
    child.on('error', done);
    child.on('exit', (code, sig) => done(code === 0 ? undefined : new Error(`${label} failed: ${cmd} exited ${code ?? sig}`)));
  });
}

async function installApt(): Promise<void> {
  const missing = missingAptPackages();
  if (missing.length === 0) return;
  const root = process.getuid?.() === 0;
  const [cmd, pre] = root ? ['apt-get', [] as string[]] : ['sudo', ['-n', 'apt-get']];
  const env = cleanEnv({ DEBIAN_FRONTEND: 'noninteractive' });
  say(`apt: installing ${missing.join(' ')}`);
  await run(cmd, [...pre, '-o', 'DPkg::Lock::Timeout=600', 'update'], env, 'apt-get update');
  await run(cmd, [...pre, '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...missing], env, 'apt-get install');
}

async function installNpm(): Promise<void> {
  // Name the packages whose install scripts must run (npm 11 only warns about unlisted ones; its docs
  // announce blocking them): node's fetches the binary, code-server's builds its native modules.
  const pkg = path.join(E2E_CACHE, 'package.json');
  let manifest: Record<string, unknown> = {};
  try {
    manifest = JSON.parse(fs.readFileSync(pkg, 'utf8')) as Record<string, unknown>;
  } catch {
    // first install
  }
  const allowScripts = { node: true, 'code-server': true, argon2: true };
  delete manifest.dependencies;
  fs.writeFileSync(pkg, JSON.stringify({ ...manifest, name: 'e2e-deps', private: true, allowScripts }, null, 2) + '\n');
  // --no-save: package.json lists no dependencies, so the first step cannot pull in code-server built
  // for the wrong Node; the second step names both packages so neither is pruned.
  const npmArgs = ['install', '--prefix', E2E_CACHE, '--no-audit', '--no-fund', '--no-package-lock', '--no-save'];
  if (!fs.existsSync(NODE_BIN)) {
    say(`npm: installing node@${NODE_MAJOR}`);
    await run('npm', [...npmArgs, `node@${NODE_MAJOR}`], cleanEnv(), `npm install node@${NODE_MAJOR}`);
  }
  // Node 24 first on PATH, so npm, code-server's postinstall and node-gyp all run and build for its ABI,
  // against its own headers (the machine's npmrc points nodedir at the system Node 20's).
  const env = cleanEnv({
    PATH: `${path.dirname(NODE_BIN)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_nodedir: nodeHeadersDir(),
  });
  say(`npm: installing code-server@${CODE_SERVER_VERSION} for Node ${NODE_MAJOR} (native build, a few minutes)`);
  await run('npm', [...npmArgs, `node@${NODE_MAJOR}`, `code-server@${CODE_SERVER_VERSION}`], env, `npm install code-server@${CODE_SERVER_VERSION}`);
  if (!fs.existsSync(CODE_SERVER_BIN)) throw new Error(`code-server installed but ${CODE_SERVER_BIN} is missing`);
}

/** Makes sure chromium, Node 24 and code-server are installed; returns where they are. */
export async function ensureCodeServer(): Promise<CodeServerInstall> {
  if (isReady()) return result();
  return withLock(LOCK, say, async () => {
    if (isReady()) return result(); // another process finished while we waited
    const t0 = Date.now();
    say(`first-time install into ${E2E_CACHE} (log: ${LOG})`);
    fs.rmSync(MARKER, { force: true });
    await installApt();
    await installNpm();
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} missing after installing the chromium package`);
    fs.writeFileSync(MARKER, JSON.stringify({ codeServer: CODE_SERVER_VERSION, node: NODE_MAJOR, at: new Date().toISOString() }) + '\n');
    say(`installed in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    return result();
  });
}

if (require.main === module) {
  ensureCodeServer().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
