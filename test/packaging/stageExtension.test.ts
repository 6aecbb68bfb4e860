import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { GRAMMAR_IDS, GRAMMARS } from '../../src/languages/grammars';
import { NODE_LLAMA_CPP_ENV } from '../../src/engine/gguf/llamaCpp';
import { QUERY_KINDS } from '../../src/treeSitter/queries';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { ensureTestGguf } from '../support/gguf';
import { llamaCppBinaryName } from '../support/llamaCppPackage';
import { ENGINE_CACHE, tinyModel } from '../support/tinyModels';
import { stageExtension } from './stageExtension';
import { hostTarget, targetById } from './targets';

/** Files under `dir`, relative, with forward slashes. */
function listFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'));
}

/** The installed layout (what a VSIX holds and `npm start` serves) must carry everything the bundles load at run time, and no more. */
describe('staged extension', function () {
  this.timeout(120_000);
  let tmp: string;
  let host: string;

  before(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-stage-'));
    host = stageExtension({ dir: path.join(tmp, 'host'), target: hostTarget() });
  });
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));
  /** Another target's tree, staged once. */
  const staged = (id: string) => {
    const dir = path.join(tmp, id);
    return fs.existsSync(dir) ? dir : stageExtension({ dir, target: targetById(id) });
  };

  it('resolves tree-sitter, every grammar and onnxruntime-node from dist/, as the bundles do, and loads the CPU provider', () => {
    const requests = ['web-tree-sitter', 'web-tree-sitter/web-tree-sitter.wasm', 'onnxruntime-node', ...Object.values(GRAMMARS).map((grammar) => grammar.wasm)];
    // A fresh node, so that the repository's own node_modules cannot answer.
    const dist = JSON.stringify(path.join(host, 'dist'));
    const script = `for (const r of ${JSON.stringify(requests)}) { const p = require.resolve(r, { paths: [${dist}] }); if (!p.startsWith(${JSON.stringify(host)})) throw new Error(r + ' resolved outside: ' + p); }
require(require.resolve('web-tree-sitter', { paths: [${dist}] }));
const ort = require(require.resolve('onnxruntime-node', { paths: [${dist}] }));
console.log(JSON.stringify(ort.listSupportedBackends().map((b) => b.name)));`;
    const r = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.ok((JSON.parse(r.stdout) as string[]).includes('cpu'), r.stdout);
  });

  it('carries the queries of every grammar, the webview assets, the icon and the walkthrough media', () => {
    const grammars = fs.readdirSync(path.join(host, 'syntaxes'));
    for (const grammar of GRAMMAR_IDS) {
      assert.ok(grammars.includes(grammar), grammar);
      for (const kind of QUERY_KINDS) assert.ok(fs.existsSync(path.join(host, 'syntaxes', grammar, `${kind}.scm`)), `${grammar}/${kind}.scm`);
    }
    const manifest = JSON.parse(fs.readFileSync(path.join(host, 'package.json'), 'utf8')) as { icon: string; contributes: { walkthroughs: { steps: { media: { image?: string; svg?: string; markdown?: string } }[] }[] } };
    const media = manifest.contributes.walkthroughs.flatMap((w) => w.steps.map((s) => s.media.image ?? s.media.svg ?? s.media.markdown!));
    for (const file of ['media/explain.js', 'media/explain.css', manifest.icon, ...media, 'LICENSE', 'README.md', 'CHANGELOG.md']) assert.ok(fs.existsSync(path.join(host, file)), file);
  });

  it('ships no model and no source maps', () => {
    const files = listFiles(host);
    assert.deepEqual(files.filter((f) => f.startsWith('models/') || f.endsWith('.onnx') || f.endsWith('.map')), []);
  });

  it("carries only its own target's onnxruntime binaries, and only the WASM the grammars name", () => {
    const files = listFiles(staged('win32-x64'));
    const binaries = files.filter((f) => f.includes('onnxruntime-node/bin/'));
    assert.ok(binaries.length > 0 && binaries.every((f) => f.startsWith('dist/node_modules/onnxruntime-node/bin/napi-v6/win32/x64/')), binaries.join('\n'));
    assert.ok(binaries.some((f) => f.endsWith('onnxruntime_binding.node')));
    const wasm = files.filter((f) => f.endsWith('.wasm')).map((f) => f.replace('dist/node_modules/', '')).sort();
    assert.deepEqual(wasm, ['web-tree-sitter/web-tree-sitter.wasm', ...Object.values(GRAMMARS).map((g) => g.wasm)].sort());
  });

  it('carries koffi with its own binary on Linux, where the worker trims its heap through it, and none elsewhere', () => {
    if (process.platform === 'linux') {
      const dist = JSON.stringify(path.join(host, 'dist'));
      const script = `const p = require.resolve('koffi', { paths: [${dist}] }); if (!p.startsWith(${JSON.stringify(host)})) throw new Error('koffi resolved outside: ' + p);
console.log(require(p).load('libc.so.6').func('int malloc_trim(size_t)')(0));`;
      const r = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.deepEqual(fs.readdirSync(path.join(host, 'dist', 'node_modules', '@koromix')), [`koffi-linux-${process.arch}`]);
      assert.deepEqual(listFiles(path.join(host, 'dist', 'node_modules', 'koffi')).filter((f) => /\.(cc|hh|h|md)$/.test(f)), []);
    }
    assert.deepEqual(listFiles(staged('win32-x64')).filter((f) => f.includes('koffi')), []);
  });

  it("carries node-llama-cpp and only its target's CPU build of llama.cpp: no other platform's, no CUDA or Vulkan, no llama.cpp source", () => {
    for (const [dir, binaries] of [[host, llamaCppBinaryName()], [staged('win32-x64'), 'win-x64']] as const) {
      const modules = path.join(dir, 'dist', 'node_modules');
      assert.ok(fs.existsSync(path.join(modules, 'node-llama-cpp', 'dist', 'index.js')), dir);
      assert.deepEqual(fs.readdirSync(path.join(modules, '@node-llama-cpp')), [binaries]);
      const files = listFiles(dir);
      assert.ok(files.some((f) => f.startsWith(`dist/node_modules/@node-llama-cpp/${binaries}/bins/`) && f.endsWith('llama-addon.node')), binaries);
      assert.deepEqual(files.filter((f) => /cuda|vulkan/i.test(path.basename(f)) && /\.(so|dll|dylib|node)$/.test(f)), []);
      assert.deepEqual(files.filter((f) => f.includes('gitRelease.bundle') || f.includes('node-llama-cpp/llama/addon/')), []);
    }
  });

  describe('a GGUF model through the staged worker, with SLM_NODE_LLAMA_CPP unset', () => {
    let gguf: string;
    const env = { ...process.env };
    delete env[NODE_LLAMA_CPP_ENV]; // other tests set it for this process
    const load = (stage: string, device: 'cpu' | 'cuda' = 'cpu') => {
      const client = new WorkerClient({ workerPath: path.join(stage, 'dist', 'worker.js'), env });
      return { client, info: client.load({ role: 'completion', modelDir: gguf, device, threads: 1, cacheDir: ENGINE_CACHE }) };
    };
    before(async () => (gguf = ensureTestGguf('tiny', 'Q4_0', await tinyModel('gqa', 'q4'))));

    it('finds node-llama-cpp in dist/node_modules, loads the file on its CPU build and completes', async () => {
      const { client, info } = load(host);
      try {
        assert.equal((await info).runtime, 'llama.cpp');
        const input = { prefix: 'def add(a, b):\n    return ', prefixStartLine: 0, suffix: '\n', filePath: 'a.py' };
        const result = await client.request('complete', { input, budget: { maxPromptTokens: 256, maxSuffixTokens: 32, maxContextTokens: 0 }, maxNewTokens: 4 });
        assert.ok(result.timings.promptTokens > 5, JSON.stringify(result.timings));
      } finally {
        client.dispose();
      }
    });

    it('asks for the CPU build when the CUDA one is asked for: the VSIX carries none', async () => {
      const { client, info } = load(host, 'cuda');
      try {
        await assert.rejects(info, new RegExp(`llama\\.cpp has no prebuilt cuda build for ${process.platform}-${process.arch} in .*: the extension ships its CPU build\\. Set slm\\.device \\(the CLI's --device\\) to auto or cpu\\.`));
      } finally {
        client.dispose();
      }
    });

    it('says which platform lacks a build when none is staged for it, and compiles or downloads nothing', async () => {
      // A platform node-llama-cpp has no prebuilt binary for (musl Linux, armv7l): this one's, taken out.
      const stage = stageExtension({ dir: path.join(tmp, 'no-binaries'), target: hostTarget() });
      fs.rmSync(path.join(stage, 'dist', 'node_modules', '@node-llama-cpp'), { recursive: true });
      const before = listFiles(stage).length;
      const { client, info } = load(stage);
      const platform = `${process.platform}-${process.arch}`;
      try {
        await assert.rejects(info, (err: Error) => {
          // The staged copy answered (found from its dist/), and said what to do.
          const where = path.join(stage, 'dist', 'node_modules', 'node-llama-cpp');
          assert.ok(err.message.includes(`llama.cpp has no prebuilt build for ${platform} in ${where}, and llama.cpp is never compiled or downloaded here. Install the extension build for ${platform}`), err.message);
          return true;
        });
      } finally {
        client.dispose();
      }
      assert.equal(listFiles(stage).length, before, 'nothing was built or downloaded into the staged tree');
    });
  });

  it('refuses a target whose binaries this onnxruntime-node lacks, saying which', () => {
    assert.throws(() => stageExtension({ dir: path.join(tmp, 'darwin-x64'), target: targetById('darwin-x64') }), /cannot stage darwin-x64: onnxruntime-node [\d.]+ ships no darwin\/x64 binaries/);
  });
});
