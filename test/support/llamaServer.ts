/**
 * A real llama.cpp `llama-server` for the integration tests and the bench, built once per machine
 * from the llama.cpp source that the npm package node-llama-cpp ships (`llama/gitRelease.bundle`)
 * and cached OUTSIDE the clone, keyed by that llama.cpp release: `~/.cache/slm/llama-server/<key>/`
 * (SLM_LLAMA_SERVER_CACHE overrides the root). A first build takes ~25 minutes on 2 cores; a build
 * already made in ~/.cache/slm/llama.cpp-src from the same source is adopted instead.
 * Like test/e2e/setup.ts: apt packages (cmake, ninja-build) installed if missing, a lock directory
 * against two installers, a marker written only after success.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { GENERATOR_VERSION, QWEN_IDS } from '../modelgen/testModels';
import { DEFAULT_SEEDS, SHAPES } from '../modelgen/weights';
import { writeGguf } from './gguf';
import { ENGINE_CACHE, tinyModel } from './tinyModels';
import { withLock } from './installLock';

/**
 * The release whose llama.cpp source builds the server: kept apart from the engine's node-llama-cpp
 * (llamaCppPackage.ts), since a new source means a ~25-minute build.
 */
const LLAMA_CPP_VERSION = '3.22.1';
const ROOT = process.env.SLM_LLAMA_SERVER_CACHE ?? path.join(os.homedir(), '.cache', 'slm');
const NPM_PREFIX = path.join(ROOT, 'npm');
const PKG = path.join(NPM_PREFIX, 'node_modules', 'node-llama-cpp');
/** Where an earlier hand-made build lives (SERVERS.md's recipe). */
const ADOPTABLE = path.join(ROOT, 'llama.cpp-src');
const APT_PACKAGES = ['cmake', 'ninja-build', 'build-essential', 'git'];

const say = (s: string): void => void process.stderr.write(`[llama-server setup] ${s}\n`);

export interface LlamaServerInstall {
  bin: string;
  /** Put on LD_LIBRARY_PATH (an adopted build links llama.cpp's shared libraries). */
  libDir: string;
  /** `<release tag>-<commit>` of the llama.cpp source. */
  key: string;
}

/** The node-llama-cpp package, for its bundled source only: installed with --ignore-scripts (no binaries fetched). */
function ensurePackage(): string {
  const version = () => {
    try {
      return (JSON.parse(fs.readFileSync(path.join(PKG, 'package.json'), 'utf8')) as { version: string }).version;
    } catch {
      return '';
    }
  };
  if (version() !== LLAMA_CPP_VERSION) {
    say(`installing node-llama-cpp@${LLAMA_CPP_VERSION} (its llama.cpp source) into ${NPM_PREFIX}`);
    fs.mkdirSync(NPM_PREFIX, { recursive: true });
    const r = spawnSync('npm', ['install', '--prefix', NPM_PREFIX, '--no-save', '--no-audit', '--no-fund', '--ignore-scripts', `node-llama-cpp@${LLAMA_CPP_VERSION}`], { stdio: ['ignore', 'inherit', 'inherit'] });
    if (r.status !== 0) throw new Error(`npm install node-llama-cpp@${LLAMA_CPP_VERSION} failed (${r.status})`);
  }
  return path.join(PKG, 'llama', 'gitRelease.bundle');
}

function bundleKey(bundle: string): { key: string; commit: string } {
  const info = JSON.parse(fs.readFileSync(path.join(PKG, 'llama', 'llama.cpp.info.json'), 'utf8')) as { tag: string };
  const heads = spawnSync('git', ['bundle', 'list-heads', bundle], { encoding: 'utf8' });
  const commit = heads.stdout.trim().split(/\s+/)[0] ?? '';
  if (!/^[0-9a-f]{40}$/.test(commit)) throw new Error(`cannot read the commit of ${bundle}: ${heads.stderr}`);
  return { key: `${info.tag}-${commit.slice(0, 12)}`, commit };
}

function missingApt(): string[] {
  return APT_PACKAGES.filter((p) => {
    const r = spawnSync('dpkg-query', ['-W', '-f=${Status}', p], { encoding: 'utf8' });
    return r.status !== 0 || !r.stdout.includes('install ok installed');
  });
}

function sh(cmd: string, args: string[], log: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    fs.appendFileSync(log, `\n$ ${cmd} ${args.join(' ')}\n`);
    const fd = fs.openSync(log, 'a');
    const child = spawn(cmd, args, { env, stdio: ['ignore', fd, fd] });
    const beat = setInterval(() => say(`  ... ${path.basename(cmd)} (${Math.round((Date.now() - started) / 1000)} s; log ${log})`), 60_000);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearInterval(beat);
      fs.closeSync(fd);
      if (code === 0) return resolve();
      reject(new Error(`${cmd} ${args.join(' ')} exited ${code}\n${fs.readFileSync(log, 'utf8').split('\n').slice(-30).join('\n')}`));
    });
  });
}

async function build(bundle: string, dir: string, log: string): Promise<void> {
  const missing = missingApt();
  if (missing.length) {
    const root = process.getuid?.() === 0;
    const [cmd, pre] = root ? ['apt-get', [] as string[]] : ['sudo', ['-n', 'apt-get']];
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    say(`apt: installing ${missing.join(' ')}`);
    await sh(cmd, [...pre, '-o', 'DPkg::Lock::Timeout=600', 'update'], log, env);
    await sh(cmd, [...pre, '-o', 'DPkg::Lock::Timeout=600', 'install', '-y', '--no-install-recommends', ...missing], log, env);
  }
  const src = path.join(dir, 'src');
  fs.rmSync(src, { recursive: true, force: true });
  say(`building llama-server from ${bundle} (about 25 minutes on 2 cores; log ${log})`);
  await sh('git', ['clone', '--quiet', bundle, src], log);
  // One static binary; no web UI download (LLAMA_USE_PREBUILT_UI), no TLS or curl (only loopback here).
  await sh('cmake', ['-S', src, '-B', path.join(src, 'build'), '-G', 'Ninja', '-DCMAKE_BUILD_TYPE=Release', '-DBUILD_SHARED_LIBS=OFF', '-DLLAMA_USE_PREBUILT_UI=OFF', '-DLLAMA_OPENSSL=OFF', '-DLLAMA_CURL=OFF', '-DLLAMA_BUILD_TESTS=OFF', '-DLLAMA_BUILD_EXAMPLES=OFF'], log);
  await sh('cmake', ['--build', path.join(src, 'build'), '-j', String(Math.max(1, os.availableParallelism())), '-t', 'llama-server'], log);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  fs.copyFileSync(path.join(src, 'build', 'bin', 'llama-server'), path.join(dir, 'bin', 'llama-server'));
  fs.chmodSync(path.join(dir, 'bin', 'llama-server'), 0o755);
  fs.rmSync(src, { recursive: true, force: true });
}

/** A build in ADOPTABLE of the very same commit: its binary and shared libraries are copied in. */
function adopt(commit: string, dir: string): boolean {
  const binDir = path.join(ADOPTABLE, 'build', 'bin');
  if (!fs.existsSync(path.join(binDir, 'llama-server'))) return false;
  const head = spawnSync('git', ['-C', ADOPTABLE, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).stdout.trim();
  if (head !== commit) return false;
  say(`adopting the build in ${binDir}`);
  fs.mkdirSync(path.join(dir, 'bin'), { recursive: true });
  for (const f of fs.readdirSync(binDir)) if (f === 'llama-server' || /\.so(\.|$)/.test(f)) fs.cpSync(path.join(binDir, f), path.join(dir, 'bin', f), { dereference: false, verbatimSymlinks: true });
  return true;
}

/** Makes sure a llama-server is built for this machine; returns where. */
export async function ensureLlamaServer(): Promise<LlamaServerInstall> {
  const bundle = ensurePackage();
  const { key, commit } = bundleKey(bundle);
  const dir = path.join(ROOT, 'llama-server', key);
  const marker = path.join(dir, 'ready.json');
  const install = { bin: path.join(dir, 'bin', 'llama-server'), libDir: path.join(dir, 'bin'), key };
  // Built with GGML_NATIVE for this CPU: a cache carried to another machine is rebuilt.
  const cpu = cpuFlags();
  const ready = () => {
    try {
      return (JSON.parse(fs.readFileSync(marker, 'utf8')) as { cpu: string }).cpu === cpu && fs.existsSync(install.bin);
    } catch {
      return false;
    }
  };
  if (ready()) return install;
  return withLock(path.join(ROOT, 'llama-server', `${key}.lock`), say, async () => {
    if (ready()) return install;
    fs.rmSync(dir, { recursive: true, force: true });
    fs.mkdirSync(dir, { recursive: true });
    const started = Date.now();
    if (!adopt(commit, dir)) await build(bundle, dir, path.join(dir, 'build.log'));
    fs.writeFileSync(marker, JSON.stringify({ key, commit, cpu, at: new Date().toISOString() }) + '\n');
    say(`llama-server ready in ${Math.round((Date.now() - started) / 1000)} s: ${install.bin}`);
    return install;
  });
}

function cpuFlags(): string {
  try {
    const flags = /^flags\s*:\s*(.*)$/m.exec(fs.readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? '';
    return flags.split(/\s+/).filter((f) => /^(avx|amx|fma|f16c|sse4|bmi)/.test(f)).sort().join(' ');
  } catch {
    return os.arch();
  }
}

export interface RunningLlamaServer {
  url: string;
  /** Everything it printed so far (its log says "stop: cancel task" when a client goes away). */
  output(): string;
  stop(): Promise<void>;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts llama-server on a GGUF on 127.0.0.1 and waits for /health; `args` are added to its command line. */
export async function startLlamaServer(install: LlamaServerInstall, model: string, args: string[] = []): Promise<RunningLlamaServer> {
  const port = await freePort();
  const child: ChildProcess = spawn(install.bin, ['-m', model, '--host', '127.0.0.1', '--port', String(port), '-t', '2', '--no-webui', ...args], {
    env: { ...process.env, LD_LIBRARY_PATH: [install.libDir, process.env.LD_LIBRARY_PATH].filter(Boolean).join(':') },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
    if (child.exitCode === null) child.kill('SIGKILL');
  };
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`llama-server exited ${child.exitCode}:\n${out.slice(-3000)}`);
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`llama-server did not become healthy in 60 s:\n${out.slice(-3000)}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { url, output: () => out, stop };
}

if (require.main === module) {
  ensureLlamaServer().then(
    (r) => console.log(JSON.stringify(r, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}

/** The generated tiny test model (test/modelgen) as a GGUF: the same weights the local engine's tests run. */
export async function tinyGguf(): Promise<string> {
  const out = path.join(ENGINE_CACHE, 'gguf', `tiny-s${DEFAULT_SEEDS.tiny}-F32-${GENERATOR_VERSION}.gguf`);
  if (fs.existsSync(out)) return out;
  const folder = await tinyModel('standard', 'fp32');
  writeGguf({ shape: SHAPES.tiny, seed: DEFAULT_SEEDS.tiny, type: 'F32', tokenizerFile: path.join(folder, 'tokenizer.json'), eosId: QWEN_IDS.endOfText, out, name: 'tiny (random weights)' });
  return out;
}
