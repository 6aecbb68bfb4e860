import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { DownloadError, downloadFile, partialFiles, type DownloadOptions } from '../../src/downloads/download';
import { startFakeHub, type FakeHub } from '../support/fakeHub';
import { tempWorkspaces } from '../support/tempWorkspaces';

const REPO = 'org/files';
const KiB = 1024;
// Below the hub's 1 MiB LFS threshold a file is served directly; above it through a 302 to /cdn/.
const DIRECT = 'direct.bin';
const LFS = 'lfs.bin';
const CUT = 256 * KiB;

describe('downloadFile (resuming, against a fake Hub on 127.0.0.1)', () => {
  const temp = tempWorkspaces('slm-download-');
  const files: Record<string, Buffer> = { [DIRECT]: randomBytes(768 * KiB), [LFS]: randomBytes(3 * 1024 * KiB) };
  let repo: string;
  let hub: FakeHub;
  let dest: string;
  before(async () => {
    repo = temp.create({});
    for (const [name, bytes] of Object.entries(files)) fs.writeFileSync(path.join(repo, name), bytes);
    hub = await startFakeHub({ repos: { [REPO]: repo } });
  });
  beforeEach(() => {
    hub.faults.clear();
    hub.requests.length = 0;
    hub.rangeRequests.length = 0;
    dest = path.join(temp.folder(), 'file.bin');
  });
  after(async () => {
    await hub.close();
    temp.removeAll();
  });

  const url = (name: string, at = hub) => `${at.endpoint}/${REPO}/resolve/main/${name}`;
  const options = (name: string, more: DownloadOptions = {}): DownloadOptions => ({
    resume: true,
    expectedBytes: files[name].length,
    digest: { algorithm: 'sha256', hex: createHash('sha256').update(files[name]).digest('hex') },
    ...more,
  });
  const partial = () => partialFiles(dest).partial;
  const lock = () => partialFiles(dest).lock;
  const partialSize = () => fs.statSync(partial()).size;

  /** Cuts `name` after CUT bytes; returns how many bytes the partial file kept. */
  async function interrupted(name: string, at = hub): Promise<number> {
    at.faults.set(name, { cutAfterBytes: CUT });
    await assert.rejects(downloadFile(url(name, at), dest, options(name)), DownloadError);
    at.faults.clear();
    at.rangeRequests.length = 0;
    const kept = partialSize();
    assert.ok(kept > 0 && kept <= CUT, `kept ${kept} bytes`);
    return kept;
  }

  for (const [name, route] of [[DIRECT, 'served directly'], [LFS, 'through the /cdn redirect']]) {
    it(`continues a cut download with Range: bytes=N- (${route}), verifying the whole file`, async () => {
      hub.faults.set(name, { cutAfterBytes: CUT });
      await assert.rejects(downloadFile(url(name), dest, options(name)), /failed: the connection was cut after \d+ KB of \d+ [KM]B$/);
      assert.equal(fs.existsSync(dest), false);
      assert.equal(fs.existsSync(lock()), false);
      const kept = partialSize();
      assert.ok(kept > 0 && kept <= CUT, `kept ${kept} bytes`);
      hub.faults.clear();
      await downloadFile(url(name), dest, options(name));
      assert.ok(fs.readFileSync(dest).equals(files[name]));
      assert.deepEqual(hub.rangeRequests.map((r) => r.range), name === LFS ? [`bytes=${kept}-`, `bytes=${kept}-`] : [`bytes=${kept}-`]);
      if (name === LFS) assert.ok(hub.rangeRequests[1].url.startsWith(`/cdn/${REPO}/${LFS}`));
      assert.deepEqual([fs.existsSync(partial()), fs.existsSync(lock())], [false, false]);
    });
  }

  it('starts over when the server ignores Range (answers 200), per file or for the whole server', async () => {
    await interrupted(LFS);
    hub.faults.set(LFS, { ignoreRange: true });
    await downloadFile(url(LFS), dest, options(LFS));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
    assert.equal(hub.rangeRequests.length, 2, 'asked for a range');

    const noRanges = await startFakeHub({ repos: { [REPO]: repo }, ignoreRange: true });
    try {
      fs.rmSync(dest);
      await interrupted(DIRECT, noRanges);
      await downloadFile(url(DIRECT, noRanges), dest, options(DIRECT));
      assert.ok(fs.readFileSync(dest).equals(files[DIRECT]));
      assert.equal(noRanges.rangeRequests.length, 1, 'asked for a range');
    } finally {
      await noRanges.close();
    }
  });

  it('discards a partial file longer than the file: unasked with expectedBytes, after a 416 without', async () => {
    fs.mkdirSync(path.dirname(partial()), { recursive: true });
    fs.writeFileSync(partial(), Buffer.alloc(files[DIRECT].length + 10));
    await downloadFile(url(DIRECT), dest, options(DIRECT));
    assert.ok(fs.readFileSync(dest).equals(files[DIRECT]));
    assert.equal(hub.rangeRequests.length, 0);

    fs.writeFileSync(partial(), Buffer.alloc(files[DIRECT].length + 10));
    await downloadFile(url(DIRECT), dest, options(DIRECT, { expectedBytes: undefined }));
    assert.ok(fs.readFileSync(dest).equals(files[DIRECT]));
    assert.deepEqual(hub.rangeRequests.map((r) => r.range), [`bytes=${files[DIRECT].length + 10}-`]);
  });

  it('deletes a partial file with wrong bytes once the digest fails, so the next try starts from zero', async () => {
    await interrupted(LFS);
    const fd = fs.openSync(partial(), 'r+');
    fs.writeSync(fd, Buffer.from([fs.readFileSync(partial())[100] ^ 0xff]), 0, 1, 100);
    fs.closeSync(fd);
    await assert.rejects(downloadFile(url(LFS), dest, options(LFS)), /lfs\.bin is corrupt: its sha256 does not match the published one/);
    assert.deepEqual([fs.existsSync(partial()), fs.existsSync(dest)], [false, false]);
    hub.rangeRequests.length = 0;
    await downloadFile(url(LFS), dest, options(LFS));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
    assert.deepEqual(hub.rangeRequests, []);
  });

  it('keeps the partial file when cancelled mid-file, and the next call resumes from it', async () => {
    hub.faults.set(LFS, { chunkDelayMs: 5 });
    const controller = new AbortController();
    const onProgress = (p: { receivedBytes: number }) => p.receivedBytes > CUT && controller.abort();
    await assert.rejects(downloadFile(url(LFS), dest, options(LFS, { signal: controller.signal, onProgress })), (err: Error) => err instanceof DownloadError && err.cancelled);
    const kept = partialSize();
    assert.ok(kept > CUT && kept < files[LFS].length, `kept ${kept} bytes`);
    assert.equal(fs.existsSync(lock()), false);
    hub.faults.clear();
    await downloadFile(url(LFS), dest, options(LFS));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
    assert.equal(hub.rangeRequests.at(-1)?.range, `bytes=${kept}-`);
  });

  it('reports progress that counts the kept bytes, never decreases, and ends at the total', async () => {
    const kept = await interrupted(LFS);
    const reports: { receivedBytes: number; totalBytes?: number }[] = [];
    await downloadFile(url(LFS), dest, options(LFS, { onProgress: (p) => reports.push(p) }));
    const total = files[LFS].length;
    assert.ok(reports.every((p, i) => p.totalBytes === total && (i === 0 || p.receivedBytes >= reports[i - 1].receivedBytes)));
    assert.ok(reports.some((p) => p.receivedBytes === kept), 'the kept bytes are counted (while re-hashed) before new ones');
    assert.equal(reports.at(-1)!.receivedBytes, total);
  });

  it('finishes a partial file that already holds every byte without a request', async () => {
    fs.mkdirSync(path.dirname(partial()), { recursive: true });
    fs.writeFileSync(partial(), files[DIRECT]);
    await downloadFile(url(DIRECT), dest, options(DIRECT));
    assert.ok(fs.readFileSync(dest).equals(files[DIRECT]));
    assert.deepEqual(hub.requests, []);
  });

  it('without resume, leaves nothing behind on failure and does not resume an old partial file', async () => {
    hub.faults.set(LFS, { cutAfterBytes: CUT });
    await assert.rejects(downloadFile(url(LFS), dest, options(LFS, { resume: false })), /the connection was cut/);
    assert.deepEqual([fs.existsSync(partial()), fs.existsSync(lock())], [false, false]);
    hub.faults.clear();
    fs.writeFileSync(partial(), files[LFS].subarray(0, CUT));
    await downloadFile(url(LFS), dest, options(LFS, { resume: false }));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
    assert.deepEqual(hub.rangeRequests, []);
  });

  it('names the cause when the server cannot be reached', async () => {
    const closed = await startFakeHub({ repos: {} });
    await closed.close();
    await assert.rejects(downloadFile(url(LFS, closed), dest, options(LFS)), /^DownloadError: Cannot reach 127\.0\.0\.1:\d+ \(ECONNREFUSED\): check the network connection or proxy$/);
    assert.deepEqual([fs.existsSync(partial()), fs.existsSync(lock())], [false, false]);
  });

  it('refuses a second simultaneous download of the same file, and takes over a lock whose process is gone or that went stale', async () => {
    hub.faults.set(LFS, { chunkDelayMs: 1 });
    const first = downloadFile(url(LFS), dest, options(LFS));
    await assert.rejects(downloadFile(url(LFS), dest, options(LFS)), /^DownloadError: Another download of .*file\.bin is in progress \(in this process\): wait for it to finish or cancel it\.$/);
    await first;
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));

    fs.rmSync(dest);
    fs.writeFileSync(lock(), String(spawnSync(process.execPath, ['-e', '']).pid));
    await downloadFile(url(LFS), dest, options(LFS));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
    assert.equal(fs.existsSync(lock()), false);

    // A live pid in a lock untouched for two minutes: the crashed holder's pid went to another process.
    fs.rmSync(dest);
    fs.writeFileSync(lock(), String(process.pid));
    const twoMinutesAgo = new Date(Date.now() - 120_000);
    fs.utimesSync(lock(), twoMinutesAgo, twoMinutesAgo);
    await downloadFile(url(LFS), dest, options(LFS));
    assert.ok(fs.readFileSync(dest).equals(files[LFS]));
  });
});
