import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError } from '../../src/downloads/download';
import { MANIFEST_FILE, readModelManifest } from '../../src/downloads/hub';
import { downloadModel, planModelDownload, type ModelDownloadProgress } from '../../src/downloads/huggingFace';
import { EngineError } from '../../src/shared/errors';
import { findGgufFile } from '../../src/modelFormat/ggufFile';
import { chooseGraph, openModelFolder } from '../../src/modelFormat/modelFolder';
import { startFakeHub, type FakeHub, type FakeHubOptions } from '../support/fakeHub';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { tinyModel } from '../support/tinyModels';

const REPO = 'onnx-community/tiny-coder';
const DATA = 'onnx/model_q4.onnx_data';
const Q4_FILES = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/model_q4.onnx', DATA];

describe('downloadModel (against a fake Hugging Face Hub on 127.0.0.1)', () => {
  const temp = tempWorkspaces('slm-hf-');
  let generated: string;
  let dest: string;
  before(async () => {
    generated = await tinyModel('gqa', 'q4');
  });
  beforeEach(() => {
    dest = path.join(temp.folder(), 'models', 'tiny-coder');
  });
  after(() => temp.removeAll());

  /** The generated model as a repo folder (linked, not copied), with files left out or added. */
  function repoFolder(change: { omit?: string[]; add?: Record<string, string> } = {}): string {
    const root = temp.folder('repo-');
    for (const rel of fs.readdirSync(generated, { recursive: true }) as string[]) {
      const from = path.join(generated, rel);
      if (fs.statSync(from).isDirectory() || change.omit?.includes(rel)) continue;
      fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      fs.symlinkSync(from, path.join(root, rel));
    }
    for (const [rel, text] of Object.entries(change.add ?? {})) fs.writeFileSync(path.join(root, rel), text);
    return root;
  }

  async function withHub(options: Partial<FakeHubOptions>, test: (hub: FakeHub) => Promise<void>): Promise<void> {
    const hub = await startFakeHub({ repos: { [REPO]: repoFolder() }, ...options });
    try {
      await test(hub);
    } finally {
      await hub.close();
    }
  }

  const fileRequests = (hub: FakeHub) => hub.requests.filter((r) => r.includes('/resolve/')).map((r) => r.slice(r.indexOf('/resolve/') + 9).split('/').slice(1).join('/'));
  const q4 = { repo: REPO, precision: 'q4' } as const;

  it('downloads the files of one precision from one commit, validates them and writes a manifest', async () => {
    const repo = repoFolder({ add: { 'README.md': '# tiny', 'onnx/model_fp16.onnx': 'not loaded' } });
    await withHub({ repos: { [REPO]: repo } }, async (hub) => {
      const result = await downloadModel(q4, dest, { endpoint: hub.endpoint });
      assert.deepEqual(result, { dir: dest, commit: hub.commit(REPO), bytes: sizeOf(Q4_FILES), reused: false });
      assert.equal(chooseGraph(openModelFolder(dest), 'q4', 'cpu').file, path.join(dest, 'onnx/model_q4.onnx'));
      const manifest = readModelManifest(dest)!;
      assert.deepEqual([manifest.repo, manifest.revision, manifest.commit, manifest.precision], [REPO, 'main', hub.commit(REPO), 'q4']);
      assert.deepEqual(manifest.files.map((f) => f.path), Q4_FILES);
      assert.deepEqual(fileRequests(hub), Q4_FILES);
      assert.ok(hub.requests.filter((r) => r.includes('/resolve/')).every((r) => r.includes(`/resolve/${hub.commit(REPO)}/`)));
      assert.ok(hub.requests.some((r) => r.startsWith(`/cdn/${REPO}/${DATA}`)), 'large files come through the redirect');
      assert.equal(fs.existsSync(`${dest}.partial`), false);
      assert.deepEqual(fs.readdirSync(dest).sort(), ['.slm-model.json', 'config.json', 'generation_config.json', 'onnx', 'tokenizer.json', 'tokenizer_config.json']);
    });
  });

  it('reuses a complete download of the same model without any request', async () => {
    await withHub({}, async (hub) => {
      await downloadModel(q4, dest, { endpoint: hub.endpoint });
      const before = hub.requests.length;
      const again = await downloadModel(q4, dest, { endpoint: hub.endpoint });
      assert.deepEqual(again, { dir: dest, commit: hub.commit(REPO), bytes: sizeOf(Q4_FILES), reused: true });
      assert.equal(hub.requests.length, before);
    });
  });

  it('names the precisions the repo publishes when the asked one is missing', async () => {
    await withHub({ repos: { [REPO]: repoFolder({ add: { 'onnx/model_fp16.onnx': 'x' } }) } }, async (hub) => {
      await assert.rejects(planModelDownload({ repo: REPO, precision: 'q4f16' }, { endpoint: hub.endpoint }), (err: Error) => {
        assert.ok(err instanceof DownloadError);
        assert.match(err.message, /onnx-community\/tiny-coder publishes no q4f16 weights \(looked for onnx\/model_q4f16\.onnx\)\. It has: fp16, q4\./);
        return true;
      });
    });
  });

  it('says clearly when the repo does not exist or the Hub cannot be reached', async () => {
    await withHub({}, async (hub) => {
      await assert.rejects(downloadModel({ repo: 'nobody/nothing', precision: 'q4' }, dest, { endpoint: hub.endpoint }), /nobody\/nothing was not found on http:\/\/127\.0\.0\.1:\d+: check the name/);
      await assert.rejects(planModelDownload({ ...q4, revision: 'v9' }, { endpoint: hub.endpoint }), /tiny-coder at revision v9 was not found/);
    });
    const closed = await startFakeHub({ repos: {} });
    await closed.close();
    await assert.rejects(downloadModel(q4, dest, { endpoint: closed.endpoint }), /Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\)/);
    assert.equal(fs.existsSync(dest), false);
  });

  it('reports an HTTP 5xx on a file, installing nothing', async () => {
    await withHub({}, async (hub) => {
      hub.faults.set('tokenizer.json', { status: 503 });
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint }), /tokenizer\.json failed: HTTP 503\. What was downloaded is kept: run the download again to resume\.$/);
      assert.equal(fs.existsSync(dest), false);
    });
  });

  it('refuses files whose hash does not match the listing, installing nothing', async () => {
    await withHub({}, async (hub) => {
      hub.faults.set('config.json', { corrupt: true }); // kept in git: checked by blob id
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint }), /config\.json is corrupt/);
      hub.faults.clear();
      hub.faults.set('tokenizer.json', { corrupt: true }); // in LFS: checked by sha256
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint }), /tokenizer\.json is corrupt: its sha256 does not match/);
      assert.equal(fs.existsSync(dest), false);
      assert.equal(fs.existsSync(`${dest}.partial/tokenizer.json`), false);
    });
  });

  it('resumes after a connection cut mid-file, fetching only the rest of the unfinished file', async () => {
    await withHub({}, async (hub) => {
      hub.faults.set(DATA, { cutAfterBytes: 1 << 20 });
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint }), (err: Error) => {
        assert.ok(err instanceof DownloadError && !err.cancelled);
        assert.match(err.message, /model_q4\.onnx_data failed: the connection was cut after \d+ [KM]B of \d+ MB\. What was downloaded is kept: run the download again to resume\.$/);
        return true;
      });
      assert.equal(fs.existsSync(dest), false);
      const kept = fs.statSync(`${dest}.partial/${DATA}.partial`).size;
      assert.ok(kept > 0, 'the cut file keeps its bytes');
      hub.faults.clear();
      hub.requests.length = 0;
      const reports: ModelDownloadProgress[] = [];
      const result = await downloadModel(q4, dest, { endpoint: hub.endpoint, onProgress: (p) => reports.push(p) });
      assert.equal(result.reused, false);
      assert.deepEqual(fileRequests(hub), [DATA]);
      assert.deepEqual(hub.rangeRequests.map((r) => [r.url.startsWith(`/cdn/${REPO}/${DATA}`), r.range]), [[false, `bytes=${kept}-`], [true, `bytes=${kept}-`]]);
      chooseGraph(openModelFolder(dest), 'q4', 'cpu');
      // The kept files are re-hashed before anything is fetched, and the bar moves meanwhile.
      assert.equal(reports[0].file, 'config.json');
      assert.ok(reports.every((p, i) => i === 0 || p.receivedBytes >= reports[i - 1].receivedBytes));
      assert.equal(reports.at(-1)!.receivedBytes, sizeOf(Q4_FILES));
    });
  });

  it('stops when cancelled mid-file, keeping what it has for a retry that resumes, and leaving dest absent', async () => {
    await withHub({}, async (hub) => {
      hub.faults.set(DATA, { chunkDelayMs: 5 });
      const controller = new AbortController();
      const onProgress = (p: ModelDownloadProgress) => p.file === DATA && controller.abort();
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint, signal: controller.signal, onProgress }), (err: Error) => err instanceof DownloadError && err.cancelled);
      assert.equal(fs.existsSync(dest), false);
      assert.ok(fs.existsSync(`${dest}.partial/tokenizer.json`));
      assert.equal(fs.existsSync(`${dest}.partial/${DATA}`), false);
      const kept = fs.statSync(`${dest}.partial/${DATA}.partial`).size;
      assert.ok(kept > 0, 'the cancelled file keeps its bytes');
      hub.faults.clear();
      await downloadModel(q4, dest, { endpoint: hub.endpoint });
      assert.equal(hub.rangeRequests.at(-1)?.range, `bytes=${kept}-`);
      chooseGraph(openModelFolder(dest), 'q4', 'cpu');
    });
  });

  it('reports progress summed over all files, rising, at most every ~100 ms, ending at the total', async () => {
    await withHub({}, async (hub) => {
      hub.faults.set(DATA, { chunkDelayMs: 1 });
      const reports: ModelDownloadProgress[] = [];
      const started = Date.now();
      await downloadModel(q4, dest, { endpoint: hub.endpoint, onProgress: (p) => reports.push(p) });
      const total = sizeOf(Q4_FILES);
      assert.ok(reports.length >= 2, `${reports.length} reports`);
      assert.ok(reports.length <= (Date.now() - started) / 100 + 2, `${reports.length} reports`);
      assert.ok(reports.every((p, i) => p.totalBytes === total && (i === 0 || p.receivedBytes >= reports[i - 1].receivedBytes)));
      assert.equal(reports.at(-1)!.receivedBytes, total);
    });
  });

  it('follows a listing split into pages', async () => {
    await withHub({ pageSize: 2 }, async (hub) => {
      const plan = await planModelDownload(q4, { endpoint: hub.endpoint });
      assert.deepEqual(plan.files.map((f) => f.path), Q4_FILES);
      assert.equal(plan.totalBytes, sizeOf(Q4_FILES));
      assert.ok(hub.requests.filter((r) => r.includes('/tree/') && r.includes('cursor=')).length >= 3);
    });
  });

  it('refuses to start without enough free disk space, saying how much is needed', async () => {
    await withHub({}, async (hub) => {
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint, freeBytes: () => 2_000_000 }), /Not enough free disk space in .*models: the model needs [\d,]+ MB more, 2 MB is free\./);
      assert.deepEqual(fileRequests(hub), []);
    });
  });

  it('includes every part of split external data, and nothing of other precisions', async () => {
    const repo = repoFolder({ add: { 'onnx/model_q4.onnx_data_1': 'part 2', 'onnx/model_q4f16.onnx': 'x', 'onnx/model_q4f16.onnx_data': 'x' } });
    await withHub({ repos: { [REPO]: repo } }, async (hub) => {
      const plan = await planModelDownload(q4, { endpoint: hub.endpoint });
      assert.deepEqual(plan.files.map((f) => f.path), [...Q4_FILES, 'onnx/model_q4.onnx_data_1']);
      const data = plan.files.find((f) => f.path === DATA)!;
      assert.match(data.sha256 ?? '', /^[0-9a-f]{64}$/);
    });
  });

  it('installs nothing when the downloaded folder fails validation', async () => {
    await withHub({ repos: { [REPO]: repoFolder({ omit: [DATA] }) } }, async (hub) => {
      await assert.rejects(downloadModel(q4, dest, { endpoint: hub.endpoint }), (err: Error) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'external-data-missing');
        assert.match(err.message, /^onnx-community\/tiny-coder downloaded but is not a usable model folder: .*model_q4\.onnx_data is missing/);
        return true;
      });
      assert.equal(fs.existsSync(dest), false);
    });
  });

  it('never downloads over a folder that holds something else', async () => {
    fs.mkdirSync(dest, { recursive: true });
    fs.writeFileSync(path.join(dest, 'notes.txt'), 'mine');
    await assert.rejects(downloadModel(q4, dest, { endpoint: 'http://127.0.0.1:1' }), /already exists and is not a downloaded model/);
    assert.equal(fs.existsSync(path.join(dest, MANIFEST_FILE)), false);
  });

  function sizeOf(files: string[]): number {
    return files.reduce((sum, f) => sum + fs.statSync(path.join(generated, f)).size, 0);
  }
});

describe('downloadModel of a GGUF repository (against a fake Hugging Face Hub on 127.0.0.1)', () => {
  const GGUF_REPO = 'Qwen/tiny-coder-GGUF';
  const temp = tempWorkspaces('slm-hf-gguf-');
  after(() => temp.removeAll());

  /** A GGUF v3 header with no tensors or keys, then filler: what the download checks, not a loadable model. */
  const ggufBytes = (fill: number, magic = 'GGUF') => Buffer.concat([Buffer.from(magic, 'latin1'), Buffer.from([3, 0, 0, 0]), Buffer.alloc(16), Buffer.alloc(fill, 7)]);

  async function withGgufHub(files: Record<string, Buffer | string>, test: (hub: FakeHub, dest: string) => Promise<void>): Promise<void> {
    const root = temp.folder('repo-');
    for (const [rel, bytes] of Object.entries(files)) fs.writeFileSync(path.join(root, rel), bytes);
    const hub = await startFakeHub({ repos: { [GGUF_REPO]: root } });
    try {
      await test(hub, path.join(temp.folder(), 'models', 'tiny-coder-gguf-q8'));
    } finally {
      await hub.close();
    }
  }

  const published = {
    'README.md': '# tiny',
    'tiny-coder-q4_0.gguf': ggufBytes(3000),
    'tiny-coder-q4_k_m.gguf': ggufBytes(3500),
    'tiny-coder-q8_0.gguf': ggufBytes(5000),
  };

  it("downloads only the precision's one .gguf file, verified, with a manifest, and the engine finds it in the folder", async () => {
    await withGgufHub(published, async (hub, dest) => {
      const result = await downloadModel({ repo: GGUF_REPO, format: 'gguf', precision: 'q8' }, dest, { endpoint: hub.endpoint });
      assert.deepEqual(result, { dir: dest, commit: hub.commit(GGUF_REPO), bytes: published['tiny-coder-q8_0.gguf'].length, reused: false });
      assert.deepEqual(fs.readdirSync(dest).sort(), ['.slm-model.json', 'tiny-coder-q8_0.gguf']);
      assert.equal(findGgufFile(dest), path.join(dest, 'tiny-coder-q8_0.gguf'));
      assert.deepEqual(hub.requests.filter((r) => r.includes('/resolve/')).map((r) => path.posix.basename(r)), ['tiny-coder-q8_0.gguf']);
      const manifest = readModelManifest(dest)!;
      assert.deepEqual([manifest.repo, manifest.precision, manifest.files.map((f) => f.path)], [GGUF_REPO, 'q8', ['tiny-coder-q8_0.gguf']]);
      const q4 = await planModelDownload({ repo: GGUF_REPO, format: 'gguf', precision: 'q4' }, { endpoint: hub.endpoint });
      assert.deepEqual(q4.files.map((f) => f.path), ['tiny-coder-q4_0.gguf'], 'Q4_0, not Q4_K_M: the block format of the ONNX q4 weights');
    });
  });

  it('names the precisions published when the asked one is missing, and refuses models split into parts', async () => {
    await withGgufHub(published, async (hub) => {
      await assert.rejects(planModelDownload({ repo: GGUF_REPO, format: 'gguf', precision: 'fp16' }, { endpoint: hub.endpoint }), /Qwen\/tiny-coder-GGUF publishes no fp16 \(F16 or FP16\) GGUF file\. It has: q4, q8\./);
    });
    const split = { 'tiny-coder-f16-00001-of-00002.gguf': ggufBytes(10), 'tiny-coder-f16-00002-of-00002.gguf': ggufBytes(10) };
    await withGgufHub(split, async (hub) => {
      await assert.rejects(planModelDownload({ repo: GGUF_REPO, format: 'gguf', precision: 'fp16' }, { endpoint: hub.endpoint }), /publishes no fp16 \(F16 or FP16\) GGUF file \(models split into several \.gguf parts are not supported\)\. Its files: tiny-coder-f16-00001-of-00002\.gguf, /);
    });
    await withGgufHub({ 'README.md': 'none here' }, async (hub) => {
      await assert.rejects(planModelDownload({ repo: GGUF_REPO, format: 'gguf', precision: 'q4' }, { endpoint: hub.endpoint }), /Qwen\/tiny-coder-GGUF has no \.gguf files/);
    });
  });

  it('installs nothing when the file is not a GGUF model', async () => {
    await withGgufHub({ 'tiny-coder-q8_0.gguf': ggufBytes(100, '<htm') }, async (hub, dest) => {
      await assert.rejects(downloadModel({ repo: GGUF_REPO, format: 'gguf', precision: 'q8' }, dest, { endpoint: hub.endpoint }), (err: Error) => {
        assert.ok(err instanceof EngineError);
        assert.equal(err.code, 'graph-invalid');
        assert.match(err.message, /^Qwen\/tiny-coder-GGUF downloaded but is not a usable model folder: .*tiny-coder-q8_0\.gguf is not a GGUF file/);
        return true;
      });
      assert.equal(fs.existsSync(dest), false);
    });
  });
});
