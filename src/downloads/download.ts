import { createHash, type Hash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DownloadProgress {
  /** Bytes of the file done so far: an interrupted download's kept bytes count (as they are re-hashed), then each new one. */
  receivedBytes: number;
  /** expectedBytes, or what the server says; undefined when neither is known. */
  totalBytes?: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Expected digest, e.g. { algorithm: 'sha512', base64: '...' }; the file is refused on mismatch. */
  digest?: { algorithm: 'sha256' | 'sha512'; base64?: string; hex?: string };
  /** The file's size when known beforehand (e.g. from a listing): a partial or response of another size is refused. */
  expectedBytes?: number;
  /**
   * Keep the bytes of a failed or cancelled download and continue from them with an HTTP Range
   * request on the next call. Without it a failure leaves nothing behind.
   */
  resume?: boolean;
}

/** `1.8 GB`, `555 MB`. */
export function formatBytes(bytes: number): string {
  return bytes >= 1e9 ? `${(bytes / 1e9).toFixed(1)} GB` : `${Math.round(bytes / 1e6)} MB`;
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(message: string, readonly url: string, readonly cancelled = false) {
    super(message);
  }
}

/** The files downloadFile keeps beside `dest` while it works: the bytes so far, and the lock that makes them one download's. */
export function partialFiles(dest: string): { partial: string; lock: string } {
  return { partial: `${dest}.partial`, lock: `${dest}.partial.lock` };
}

/**
 * Downloads `url` to `dest`, streaming, with progress and cancellation. The bytes go to
 * `${dest}.partial`, renamed to `dest` only once complete and verified, so a failed or cancelled
 * download never leaves a half-written file where a complete one is expected. With `resume`, the
 * partial file outlives a failure and the next call (in any process) fetches only the rest.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const { partial, lock } = partialFiles(dest);
  const unlock = lockPartial(lock, dest, url);
  const progress: DownloadProgress = { receivedBytes: 0, totalBytes: options.expectedBytes };
  let connected = false;
  let keep = options.resume === true; // false once the partial's bytes are known to be wrong
  try {
    let offset = options.resume ? (fs.statSync(partial, { throwIfNoEntry: false })?.size ?? 0) : 0;
    if (options.expectedBytes !== undefined && offset > options.expectedBytes) offset = 0; // not a prefix of this file
    const { response, start, totalBytes } = await request(url, offset, options);
    connected = true;
    progress.totalBytes = totalBytes;
    const hash = options.digest && createHash(options.digest.algorithm);
    const file = await fs.promises.open(partial, start > 0 ? 'a' : 'w');
    try {
      const report = (receivedBytes: number) => {
        progress.receivedBytes = receivedBytes;
        options.onProgress?.({ ...progress });
      };
      // The digest covers the whole file, so the kept bytes are hashed first (seconds for 2 GB: the bar moves meanwhile).
      if (start > 0 && hash) await hashFile(partial, hash, { bytes: start, signal: options.signal, onBytes: report });
      progress.receivedBytes = start;
      for await (const chunk of (response?.body ?? []) as AsyncIterable<Uint8Array>) {
        if (totalBytes !== undefined && progress.receivedBytes + chunk.length > totalBytes) {
          keep = false;
          throw new DownloadError(`Download of ${url} failed: the server sent more than the ${totalBytes} bytes expected`, url);
        }
        hash?.update(chunk);
        await file.appendFile(chunk); // unlike write(), loops until every byte is written
        report(progress.receivedBytes + chunk.length);
      }
    } finally {
      await file.close();
    }
    if (totalBytes !== undefined && progress.receivedBytes < totalBytes) throw cut(url, progress);
    if (hash && options.digest) {
      const expected = options.digest.base64 ? Buffer.from(options.digest.base64, 'base64') : Buffer.from(options.digest.hex ?? '', 'hex');
      if (!hash.digest().equals(expected)) {
        keep = false;
        throw new DownloadError(`Download of ${url} is corrupt: its ${options.digest.algorithm} does not match the published one`, url);
      }
    }
    fs.renameSync(partial, dest);
  } catch (err) {
    if (!keep) fs.rmSync(partial, { force: true });
    if (options.signal?.aborted) throw new DownloadError(`Download of ${url} was cancelled`, url, true);
    if (err instanceof DownloadError) throw err;
    // fetch fails with a TypeError ("fetch failed", "terminated") whose cause is the socket's error.
    if (err instanceof TypeError) throw connected ? cut(url, progress, err) : cannotReach(url, err);
    throw new DownloadError(`Download of ${url} failed: ${(err as Error).message}`, url);
  } finally {
    unlock();
  }
}

interface Opened {
  /** Undefined when the partial file already holds every byte. */
  response?: Response;
  /** Where the response's bytes go in the file. */
  start: number;
  totalBytes?: number;
}

/** GETs `url` from byte `offset`, or from zero when the server cannot continue there. */
async function request(url: string, offset: number, options: DownloadOptions): Promise<Opened> {
  if (offset > 0 && offset === options.expectedBytes) return { start: offset, totalBytes: offset };
  const headers: Record<string, string> = {
    // Byte counts and ranges are of the file itself, not of a compressed encoding of it.
    'accept-encoding': 'identity',
    ...(offset > 0 && { range: `bytes=${offset}-` }),
  };
  const response = await fetch(url, { signal: options.signal, redirect: 'follow', headers });
  if (offset > 0 && (response.status === 206 || response.status === 416)) {
    const range = /^bytes (\d+)-\d+\/(\d+)$/.exec(response.headers.get('content-range') ?? '');
    const total = range ? Number(range[2]) : undefined;
    if (response.status === 206 && Number(range?.[1]) === offset && (options.expectedBytes ?? total) === total) return { response, start: offset, totalBytes: total };
    await response.body?.cancel();
    return request(url, 0, options); // a range that does not fit the kept bytes: start over
  }
  if (!response.ok || !response.body) throw new DownloadError(`Download of ${url} failed: HTTP ${response.status}`, url);
  // A 200 is the whole file, also when a range was asked: a server without range support ignores it.
  const length = Number(response.headers.get('content-length'));
  return { response, start: 0, totalBytes: options.expectedBytes ?? (Number.isFinite(length) && length > 0 ? length : undefined) };
}

/** Feeds `file` (its first `bytes` only, when given) to `hash`, reporting the bytes hashed so far. */
export async function hashFile(file: string, hash: Hash, options: { bytes?: number; signal?: AbortSignal; onBytes?: (hashed: number) => void } = {}): Promise<Hash> {
  let hashed = 0;
  for await (const chunk of fs.createReadStream(file, options.bytes === undefined ? {} : { end: options.bytes - 1 })) {
    options.signal?.throwIfAborted();
    hash.update(chunk as Buffer);
    options.onBytes?.((hashed += (chunk as Buffer).length));
  }
  return hash;
}

const LOCK_REFRESH_MS = 10_000;
/** Six missed refreshes: the holder crashed, and its pid may now be another process's. */
const LOCK_STALE_MS = 60_000;

/**
 * Claims `lock` so that two downloads, in this process or another, never write one partial file.
 * The lock is created exclusively, holds the owner's pid and is touched every 10 s; one whose
 * process is gone or that went untouched for a minute (a crash) is taken over. Two processes
 * taking over the same stale lock at once could both win: a window of microseconds, after a crash.
 */
function lockPartial(lock: string, dest: string, url: string): () => void {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lock, String(process.pid), { flag: 'wx' });
      const refresh = setInterval(() => fs.utimes(lock, new Date(), new Date(), () => {}), LOCK_REFRESH_MS).unref();
      return () => {
        clearInterval(refresh);
        fs.rmSync(lock, { force: true });
      };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const holder = lockHolder(lock);
    if (holder !== undefined) throw busy(dest, url, holder);
    fs.rmSync(lock, { force: true });
  }
  throw busy(dest, url);
}

/** Whether a live download holds a partial file somewhere under `dir`. */
export function downloadInProgress(dir: string): boolean {
  let names: string[];
  try {
    names = fs.readdirSync(dir, { recursive: true }) as string[];
  } catch {
    return false;
  }
  return names.some((name) => name.endsWith('.partial.lock') && lockHolder(path.join(dir, name)) !== undefined);
}

/** The pid of the live download holding `lock`; undefined when the lock was released or is stale. */
function lockHolder(lock: string): number | undefined {
  try {
    const pid = Number(fs.readFileSync(lock, 'utf8'));
    // Pids are reused (soon, on Windows): a live pid alone does not prove the lock is held.
    return isRunning(pid) && Date.now() - fs.statSync(lock).mtimeMs < LOCK_STALE_MS ? pid : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function busy(dest: string, url: string, owner?: number): DownloadError {
  const who = owner === undefined ? '' : owner === process.pid ? ' (in this process)' : ` (process ${owner})`;
  return new DownloadError(`Another download of ${dest} is in progress${who}: wait for it to finish or cancel it.`, url);
}

function isRunning(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function causeCode(err: unknown): string | undefined {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  return typeof cause?.code === 'string' ? cause.code : undefined;
}

function cut(url: string, progress: DownloadProgress, err?: unknown): DownloadError {
  const how = /TIMEOUT/.test(causeCode(err) ?? '') ? 'timed out' : 'was cut';
  const total = progress.totalBytes === undefined ? '' : ` of ${size(progress.totalBytes)}`;
  return new DownloadError(`Download of ${url} failed: the connection ${how} after ${size(progress.receivedBytes)}${total}`, url);
}

/** fetch's TypeError, with the socket error (ECONNREFUSED, ENOTFOUND, ...) from its cause. */
export function cannotReach(url: string, err: TypeError): DownloadError {
  const cause = (err as { cause?: { message?: string; hostname?: string } }).cause;
  const host = cause?.hostname ?? new URL(url).host;
  return new DownloadError(`Cannot reach ${host} (${causeCode(err) ?? cause?.message ?? err.message}): check the network connection or proxy`, url);
}

function size(bytes: number): string {
  return bytes < 1e6 ? `${Math.ceil(bytes / 1e3)} KB` : formatBytes(bytes);
}

/** GETs a JSON document (gzip is decoded by fetch). */
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal?.aborted) throw new DownloadError(`Request to ${url} was cancelled`, url, true);
    if (err instanceof TypeError) throw cannotReach(url, err);
    throw new DownloadError(`Request to ${url} failed: ${(err as Error).message}`, url);
  }
  if (!response.ok) throw new DownloadError(`Request to ${url} failed: HTTP ${response.status}`, url);
  return (await response.json()) as T;
}
