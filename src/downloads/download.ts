import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface DownloadProgress {
  receivedBytes: number;
  /** From Content-Length; undefined when the server does not say. */
  totalBytes?: number;
}

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?(progress: DownloadProgress): void;
  /** Expected digest, e.g. { algorithm: 'sha512', base64: '...' }; the file is refused on mismatch. */
  digest?: { algorithm: 'sha256' | 'sha512'; base64?: string; hex?: string };
}

export class DownloadError extends Error {
  override readonly name = 'DownloadError';
  constructor(message: string, readonly url: string, readonly cancelled = false) {
    super(message);
  }
}

/**
 * Downloads `url` to `dest`, streaming, with progress and cancellation. The bytes go to a
 * temporary file beside `dest` that is renamed only once complete and verified, so a failed or
 * cancelled download never leaves a half-written file where a complete one is expected.
 */
export async function downloadFile(url: string, dest: string, options: DownloadOptions = {}): Promise<void> {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const partial = `${dest}.partial-${process.pid}`;
  const hash = options.digest ? createHash(options.digest.algorithm) : undefined;
  try {
    const response = await fetch(url, { signal: options.signal, redirect: 'follow' });
    if (!response.ok || !response.body) throw new DownloadError(`Download of ${url} failed: HTTP ${response.status}`, url);
    const length = Number(response.headers.get('content-length'));
    const totalBytes = Number.isFinite(length) && length > 0 ? length : undefined;
    const out = fs.createWriteStream(partial);
    let receivedBytes = 0;
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        receivedBytes += chunk.length;
        hash?.update(chunk);
        if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
        options.onProgress?.({ receivedBytes, totalBytes });
      }
    } finally {
      await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
    }
    if (totalBytes !== undefined && receivedBytes !== totalBytes) {
      throw new DownloadError(`Download of ${url} ended after ${receivedBytes} of ${totalBytes} bytes`, url);
    }
    if (hash && options.digest) {
      const digest = hash.digest();
      const expected = options.digest.base64 ? Buffer.from(options.digest.base64, 'base64') : Buffer.from(options.digest.hex ?? '', 'hex');
      if (!digest.equals(expected)) {
        throw new DownloadError(`Download of ${url} is corrupt: its ${options.digest.algorithm} does not match the published one`, url);
      }
    }
    fs.renameSync(partial, dest);
  } catch (err) {
    fs.rmSync(partial, { force: true });
    if (options.signal?.aborted) throw new DownloadError(`Download of ${url} was cancelled`, url, true);
    if (err instanceof DownloadError) throw err;
    throw new DownloadError(`Download of ${url} failed: ${(err as Error).message}`, url);
  }
}

/** GETs a JSON document (gzip is decoded by fetch). */
export async function fetchJson<T>(url: string, signal?: AbortSignal): Promise<T> {
  let response: Response;
  try {
    response = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (signal?.aborted) throw new DownloadError(`Request to ${url} was cancelled`, url, true);
    throw new DownloadError(`Request to ${url} failed: ${(err as Error).message}`, url);
  }
  if (!response.ok) throw new DownloadError(`Request to ${url} failed: HTTP ${response.status}`, url);
  return (await response.json()) as T;
}
