import * as assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import AdmZip from 'adm-zip';
import { DownloadError } from '../../src/downloads/download';
import { CUDA_LIBRARIES, CUDA_PACKAGE, cudaUnsupportedReason, installCudaProvider } from '../../src/downloads/cudaProvider';

const VERSION = '1.30.0';

/** A NuGet v3 feed on 127.0.0.1 serving a fake CUDA provider package. */
async function fakeFeed(options: { wrongHash?: boolean; slow?: boolean; missing?: boolean } = {}) {
  const zip = new AdmZip();
  // Incompressible bytes after a recognisable header: the package is ~600 KB, as real ones are large.
  for (const name of CUDA_LIBRARIES) zip.addFile(`runtimes/linux-x64/native/${name}`, Buffer.concat([Buffer.from(`fake ${name} `), randomBytes(200_000)]));
  const nupkg = zip.toBuffer();
  const hash = createHash('sha512').update(options.wrongHash ? Buffer.from('tampered') : nupkg).digest('base64');
  const id = CUDA_PACKAGE.toLowerCase();
  let requests = 0;
  const server = http.createServer(async (req, res) => {
    requests++;
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const json = (body: unknown) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(body));
    if (req.url === '/v3/index.json') return json({ resources: [{ '@id': `${base}/flat/`, '@type': 'PackageBaseAddress/3.0.0' }, { '@id': `${base}/reg/`, '@type': 'RegistrationsBaseUrl/3.6.0' }] });
    if (req.url === `/reg/${id}/${VERSION}.json`) return json({ catalogEntry: `${base}/catalog/${id}.${VERSION}.json` });
    if (req.url === `/catalog/${id}.${VERSION}.json`) return json({ packageHash: hash, packageHashAlgorithm: 'SHA512' });
    if (req.url === `/flat/${id}/${VERSION}/${id}.${VERSION}.nupkg` && !options.missing) {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': nupkg.length });
      for (let at = 0; at < nupkg.length; at += 4096) {
        if (res.destroyed) return;
        res.write(nupkg.subarray(at, at + 4096));
        if (options.slow) await new Promise((r) => setTimeout(r, 20));
      }
      return res.end();
    }
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return { index: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v3/index.json`, size: nupkg.length, requests: () => requests, close: () => new Promise((r) => server.close(r)) };
}

describe('installCudaProvider (against a NuGet feed on 127.0.0.1)', () => {
  let dirs: { storage: string; binding: string };
  beforeEach(() => {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-cuda-'));
    dirs = { storage: path.join(root, 'storage'), binding: path.join(root, 'binding') };
    fs.mkdirSync(dirs.binding, { recursive: true });
  });
  const leftovers = () => [...fs.readdirSync(dirs.binding), ...(fs.existsSync(dirs.storage) ? fs.readdirSync(dirs.storage, { recursive: true }).map(String) : [])].filter((f) => /partial|\.nupkg$/.test(f));

  if (cudaUnsupportedReason()) {
    it.skip(`not on this platform: ${cudaUnsupportedReason()}`);
    return;
  }

  it('downloads the package, verifies it, and puts the libraries beside the binding', async () => {
    const feed = await fakeFeed();
    const progress: number[] = [];
    try {
      const files = await installCudaProvider({ storageDir: dirs.storage, bindingDir: dirs.binding, version: VERSION, nugetIndex: feed.index, onProgress: (step, p) => step === 'download' && progress.push(p!.receivedBytes) });
      assert.deepEqual(files.map((f) => path.basename(f)), CUDA_LIBRARIES);
      for (const name of CUDA_LIBRARIES) assert.match(fs.readFileSync(path.join(dirs.binding, name), 'utf8'), new RegExp(`^fake ${name.replace(/\./g, '\\.')} `));
      assert.ok(progress.length > 1 && progress.every((v, i) => i === 0 || v > progress[i - 1]));
      assert.equal(progress.at(-1), feed.size);
      assert.deepEqual(leftovers(), []);
    } finally {
      await feed.close();
    }
  });

  it('refuses a package whose SHA-512 does not match the feed\'s, leaving nothing behind', async () => {
    const feed = await fakeFeed({ wrongHash: true });
    try {
      await assert.rejects(installCudaProvider({ storageDir: dirs.storage, bindingDir: dirs.binding, version: VERSION, nugetIndex: feed.index }), /corrupt/);
      assert.deepEqual(fs.readdirSync(dirs.binding), []);
      assert.deepEqual(leftovers(), []);
    } finally {
      await feed.close();
    }
  });

  it('stops when cancelled mid-download, leaving nothing behind', async () => {
    const feed = await fakeFeed({ slow: true });
    const controller = new AbortController();
    try {
      await assert.rejects(
        installCudaProvider({ storageDir: dirs.storage, bindingDir: dirs.binding, version: VERSION, nugetIndex: feed.index, signal: controller.signal, onProgress: (step, p) => step === 'download' && p!.receivedBytes > 8192 && controller.abort() }),
        (err: unknown) => err instanceof DownloadError && err.cancelled,
      );
      assert.deepEqual(fs.readdirSync(dirs.binding), []);
      assert.deepEqual(leftovers(), []);
    } finally {
      await feed.close();
    }
  });

  it('says clearly when the feed lacks the package', async () => {
    const feed = await fakeFeed({ missing: true });
    try {
      await assert.rejects(installCudaProvider({ storageDir: dirs.storage, bindingDir: dirs.binding, version: VERSION, nugetIndex: feed.index }), /HTTP 404/);
    } finally {
      await feed.close();
    }
  });
});

describe('cudaUnsupportedReason', () => {
  it('points Windows and macOS users at their built-in GPU providers', () => {
    assert.match(cudaUnsupportedReason('win32', 'x64')!, /DirectML/);
    assert.match(cudaUnsupportedReason('darwin', 'arm64')!, /CoreML/);
    assert.match(cudaUnsupportedReason('linux', 'arm64')!, /no CUDA provider for linux-arm64/);
    assert.equal(cudaUnsupportedReason('linux', 'x64'), undefined);
  });
});
