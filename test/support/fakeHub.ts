/**
 * A Hugging Face Hub on 127.0.0.1 serving local folders as model repos, answering the requests
 * @huggingface/hub and src/downloads/huggingFace.ts make:
 *
 *   GET /api/models/<repo>/revision/<rev>?expand=...      modelInfo: {_id, id, sha, ...}
 *   GET /api/models/<repo>/tree/<rev>?recursive=...&cursor listFiles: pages of entries, `Link: <next>; rel="next"`
 *   GET /<repo>/resolve/<rev>/<path>                       bytes, or a 302 to /cdn/... for "LFS" files
 *
 * Bytes are served whole (200) or, for `Range: bytes=N-`, from N on (206, or 416 past the end).
 * Unknown repos get 401, as the real Hub answers an unauthenticated client. Faults are injected
 * per file path; every request is logged.
 */
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';

export interface Fault {
  /** Answer the resolve request with this status. */
  status?: number;
  /** Send this many bytes of each response, then cut the connection. */
  cutAfterBytes?: number;
  /** Serve the listed length with one byte changed, so the sha256 no longer matches. */
  corrupt?: boolean;
  /** Wait this long before each 64 KiB chunk. */
  chunkDelayMs?: number;
  /** Answer a Range request with the whole file (200), as a server without range support does. */
  ignoreRange?: boolean;
}

export interface FakeHubOptions {
  /** Repo name (e.g. `org/model`) to the folder served as its content. */
  repos: Record<string, string>;
  /** Tree entries per listing page (the real Hub: 1,000). */
  pageSize?: number;
  /** Files at least this large are listed with `lfs` and resolved through a redirect. Default 1 MiB. */
  lfsThreshold?: number;
  /** Answer every Range request with the whole file (200). */
  ignoreRange?: boolean;
}

export interface FakeHub {
  endpoint: string;
  /** `req.url` of every request, in order. */
  requests: string[];
  /** The requests that carried a Range header, in order. */
  rangeRequests: { url: string; range: string }[];
  /** Faults by file path within the repo, e.g. `onnx/model_q4.onnx_data`; edit between calls. */
  faults: Map<string, Fault>;
  commit(repo: string): string;
  close(): Promise<void>;
}

interface RepoFile {
  path: string;
  bytes: Buffer;
  oid: string;
  sha256?: string;
}

interface Repo {
  name: string;
  commit: string;
  files: RepoFile[];
  dirs: string[];
}

const CHUNK = 64 * 1024;

function loadRepo(name: string, dir: string, lfsThreshold: number): Repo {
  const paths = (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((p) => p.split(path.sep).join('/'))
    .sort();
  const files: RepoFile[] = [];
  const dirs: string[] = [];
  for (const p of paths) {
    if (fs.statSync(path.join(dir, p)).isDirectory()) {
      dirs.push(p);
      continue;
    }
    const bytes = fs.readFileSync(path.join(dir, p));
    const oid = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
    const sha256 = bytes.length >= lfsThreshold ? createHash('sha256').update(bytes).digest('hex') : undefined;
    files.push({ path: p, bytes, oid, sha256 });
  }
  const commit = createHash('sha1').update(files.map((f) => `${f.path} ${f.oid}`).join('\n')).digest('hex');
  return { name, commit, files, dirs };
}

function treeEntry(repo: Repo, p: string): unknown {
  const file = repo.files.find((f) => f.path === p);
  if (!file) return { type: 'directory', oid: createHash('sha1').update(p).digest('hex'), size: 0, path: p };
  return {
    type: 'file',
    oid: file.oid,
    size: file.bytes.length,
    path: file.path,
    ...(file.sha256 && { lfs: { oid: file.sha256, size: file.bytes.length, pointerSize: 134 } }),
  };
}

export async function startFakeHub(options: FakeHubOptions): Promise<FakeHub> {
  const lfsThreshold = options.lfsThreshold ?? 1024 * 1024;
  const pageSize = options.pageSize ?? 1000;
  const repos = Object.entries(options.repos).map(([name, dir]) => loadRepo(name, dir, lfsThreshold));
  const requests: string[] = [];
  const rangeRequests: FakeHub['rangeRequests'] = [];
  const faults = new Map<string, Fault>();
  let endpoint = '';

  const fail = (res: http.ServerResponse, status: number, error: string): void =>
    void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error }));

  async function serveBytes(req: http.IncomingMessage, res: http.ServerResponse, repo: Repo, file: RepoFile): Promise<void> {
    const fault = faults.get(file.path) ?? {};
    let bytes = file.bytes;
    if (fault.corrupt) {
      bytes = Buffer.from(bytes);
      bytes[bytes.length >> 1] ^= 0xff;
    }
    const headers = { 'content-type': 'application/octet-stream', 'accept-ranges': 'bytes', etag: `"${file.sha256 ?? file.oid}"`, 'x-repo-commit': repo.commit };
    const from = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (from && !fault.ignoreRange && !options.ignoreRange) {
      const start = Number(from[1]);
      if (start >= bytes.length) return void res.writeHead(416, { 'content-range': `bytes */${bytes.length}` }).end();
      res.writeHead(206, { ...headers, 'content-range': `bytes ${start}-${bytes.length - 1}/${bytes.length}`, 'content-length': bytes.length - start });
      bytes = bytes.subarray(start);
    } else {
      res.writeHead(200, { ...headers, 'content-length': bytes.length });
    }
    const end = Math.min(bytes.length, fault.cutAfterBytes ?? Infinity);
    const closed = once(res, 'close');
    for (let at = 0; at < end && !res.destroyed; at += CHUNK) {
      if (fault.chunkDelayMs) await new Promise((r) => setTimeout(r, fault.chunkDelayMs));
      if (!res.write(bytes.subarray(at, Math.min(end, at + CHUNK)))) await Promise.race([once(res, 'drain'), closed]);
    }
    if (end < bytes.length) res.destroy();
    else res.end();
  }

  function route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> | void {
    const url = new URL(req.url ?? '/', endpoint);
    const pathname = decodeURIComponent(url.pathname);
    for (const repo of repos) {
      const known = (rev: string) => rev === 'main' || rev === repo.commit;
      const api = `/api/models/${repo.name}/`;
      if (pathname.startsWith(api)) {
        const [kind, rev] = pathname.slice(api.length).split('/');
        if (!known(rev)) return fail(res, 404, `Invalid rev id: ${rev}`);
        if (kind === 'revision') {
          const info = { _id: repo.commit.slice(0, 24), id: repo.name, sha: repo.commit, private: false, gated: false, downloads: 0, likes: 0, lastModified: new Date(0).toISOString() };
          return void res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(info));
        }
        if (kind === 'tree') {
          const all = [...repo.dirs, ...repo.files.map((f) => f.path)].sort();
          const listed = url.searchParams.get('recursive') === 'true' ? all : all.filter((p) => !p.includes('/'));
          const from = Number(url.searchParams.get('cursor') ?? 0);
          const page = listed.slice(from, from + pageSize);
          const headers: http.OutgoingHttpHeaders = { 'content-type': 'application/json' };
          if (from + pageSize < listed.length) {
            const next = new URL(url);
            next.searchParams.set('cursor', String(from + pageSize));
            headers.link = `<${next.href}>; rel="next"`;
          }
          return void res.writeHead(200, headers).end(JSON.stringify(page.map((p) => treeEntry(repo, p))));
        }
      }
      const resolve = `/${repo.name}/resolve/`;
      if (pathname.startsWith(resolve)) {
        const [rev, ...rest] = pathname.slice(resolve.length).split('/');
        const file = repo.files.find((f) => f.path === rest.join('/'));
        if (!known(rev) || !file) return fail(res, 404, 'Entry not found');
        const status = faults.get(file.path)?.status;
        if (status) return fail(res, status, `Injected HTTP ${status}`);
        if (file.sha256) return void res.writeHead(302, { location: `${endpoint}/cdn/${repo.name}/${file.path}` }).end();
        return serveBytes(req, res, repo, file);
      }
      const cdn = `/cdn/${repo.name}/`;
      const file = pathname.startsWith(cdn) && repo.files.find((f) => f.path === pathname.slice(cdn.length));
      if (file) return serveBytes(req, res, repo, file);
    }
    return fail(res, 401, 'Repository not found');
  }

  const server = http.createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.headers.range) rangeRequests.push({ url: req.url ?? '', range: req.headers.range });
    Promise.resolve(route(req, res)).catch(() => res.destroy());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    endpoint,
    requests,
    rangeRequests,
    faults,
    commit: (name) => repos.find((r) => r.name === name)!.commit,
    close: () => {
      server.closeAllConnections();
      return new Promise((r) => server.close(() => r()));
    },
  };
}
