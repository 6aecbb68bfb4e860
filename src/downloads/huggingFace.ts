/**
 * Downloads a model folder in the onnx-community layout (FACTS.md) from the Hugging Face Hub:
 * only the files one precision needs, all from one commit, verified against the hashes the Hub
 * lists, staged beside the destination and renamed into place once the folder validates.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { HubApiError, listFiles, modelInfo } from '@huggingface/hub';
import { writeAll, writeFileAtomically } from '../shared/atomicFile';
import { EngineError, errorMessage } from '../shared/errors';
import { checkGgufHeader } from '../modelFormat/ggufFile';
import { chooseGraph, openModelFolder } from '../modelFormat/modelFolder';
import { SUFFIXES, type Precision } from '../modelFormat/precision';
import { HUGGING_FACE, MANIFEST_FILE, readModelManifest, type ModelManifest, type RemoteFile } from './hub';
import { cannotReach, DownloadError, downloadFile, formatBytes, hashFile, partialFiles } from './download';


export interface HubModel {
  /** e.g. `onnx-community/Qwen2.5-Coder-0.5B-Instruct`. */
  repo: string;
  /** Branch, tag or commit; default `main`. */
  revision?: string;
  precision: Precision;
  /** `gguf`: a repository of `.gguf` files, one per quantization, of which one is downloaded. Default: ONNX. */
  format?: 'gguf';
}

/**
 * The GGUF types a precision names, as repositories spell them at the end of a file name
 * (`qwen2.5-coder-1.5b-instruct-q4_0.gguf`): the same block formats as the ONNX precisions
 * (Q4_0: 4-bit, blocks of 32, one scale; Q8_0 likewise in 8 bits).
 */
export const GGUF_TYPES: Partial<Record<Precision, readonly string[]>> = { q4: ['q4_0'], q8: ['q8_0'], fp16: ['f16', 'fp16'] };

export interface ModelDownloadProgress {
  receivedBytes: number;
  totalBytes: number;
  /** The file being downloaded. */
  file: string;
}

export interface ModelDownloadOptions {
  /** Hub address; default HUGGING_FACE. */
  endpoint?: string;
  signal?: AbortSignal;
  onProgress?(progress: ModelDownloadProgress): void;
  /** Free bytes on the file system holding `dir`; default from fs.statfsSync. */
  freeBytes?(dir: string): number;
}

export interface ModelDownloadPlan {
  commit: string;
  files: RemoteFile[];
  totalBytes: number;
}

const PROGRESS_INTERVAL_MS = 100;

// ---------------------------------------------------------------------------------------------
// Plan: which files, from which commit

/** The files a folder of `model.precision` needs, listed at the commit `model.revision` points to. */
export async function planModelDownload(model: HubModel, options: ModelDownloadOptions = {}): Promise<ModelDownloadPlan> {
  const hubUrl = options.endpoint ?? HUGGING_FACE;
  const revision = model.revision ?? 'main';
  const signal = options.signal;
  // listFiles and modelInfo take no signal; their fetch can carry one.
  const fetchWithSignal: typeof fetch = (input, init) => fetch(input, { ...init, signal });
  try {
    const info = await modelInfo({ name: model.repo, revision, hubUrl, additionalFields: ['sha'], fetch: fetchWithSignal });
    if (!info.sha) throw new DownloadError(`${hubUrl} did not say which commit ${model.repo}@${revision} is`, repoUrl(hubUrl, model.repo));
    const listed: RemoteFile[] = [];
    for await (const entry of listFiles({ repo: { type: 'model', name: model.repo }, revision: info.sha, recursive: true, hubUrl, fetch: fetchWithSignal })) {
      if (entry.type === 'file') listed.push({ path: entry.path, size: entry.size, sha256: entry.lfs?.oid, oid: entry.oid });
    }
    const files = selectFiles(model, listed, repoUrl(hubUrl, model.repo));
    return { commit: info.sha, files, totalBytes: sumSizes(files) };
  } catch (err) {
    throw hubError(err, model, hubUrl, signal);
  }
}

function selectFiles(model: HubModel, listed: RemoteFile[], url: string): RemoteFile[] {
  if (model.format === 'gguf') return [selectGgufFile(model, listed, url)];
  const byPath = new Map(listed.map((f) => [f.path, f]));
  for (const required of ['config.json', 'tokenizer.json']) {
    if (!byPath.has(required)) throw new DownloadError(`${model.repo} has no ${required}: it is not a model in the onnx-community (transformers.js) layout.`, url);
  }
  const suffix = SUFFIXES[model.precision].find((s) => byPath.has(`onnx/model${s}.onnx`));
  if (suffix === undefined) {
    const available = (Object.keys(SUFFIXES) as Precision[]).filter((p) => SUFFIXES[p].some((s) => byPath.has(`onnx/model${s}.onnx`)));
    const wanted = SUFFIXES[model.precision].map((s) => `onnx/model${s}.onnx`).join(', ');
    throw new DownloadError(
      available.length
        ? `${model.repo} publishes no ${model.precision} weights (looked for ${wanted}). It has: ${available.join(', ')}.`
        : `${model.repo} has no ONNX graphs in onnx/: it is not a model in the onnx-community (transformers.js) layout.`,
      url,
    );
  }
  const graph = `onnx/model${suffix}.onnx`;
  // Weights over 2 GB are split: model_q4.onnx_data, model_q4.onnx_data_1, ...
  const data = `${graph}_data`;
  const isData = (p: string) => p.startsWith(data) && /^(_\d+)?$/.test(p.slice(data.length));
  const wantedPaths = ['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', graph];
  return [...wantedPaths.flatMap((p) => byPath.get(p) ?? []), ...listed.filter((f) => isData(f.path))];
}

/** The one `.gguf` of the precision's type; a model split into parts (`-00001-of-00002.gguf`) is refused. */
function selectGgufFile(model: HubModel, listed: RemoteFile[], url: string): RemoteFile {
  const ggufs = listed.filter((f) => f.path.toLowerCase().endsWith('.gguf') && !path.posix.basename(f.path).toLowerCase().startsWith('mmproj'));
  if (ggufs.length === 0) throw new DownloadError(`${model.repo} has no .gguf files: it is not a repository of GGUF models.`, url);
  const typeOf = (file: RemoteFile) => /[-.]([a-z0-9_]+)\.gguf$/i.exec(file.path)?.[1].toLowerCase();
  const precisionOf = (file: RemoteFile) => (Object.keys(GGUF_TYPES) as Precision[]).find((p) => GGUF_TYPES[p]!.includes(typeOf(file) ?? ''));
  const matching = ggufs.filter((f) => precisionOf(f) === model.precision);
  if (matching.length === 1) return matching[0];
  if (matching.length > 1) throw new DownloadError(`${model.repo} has ${matching.length} ${model.precision} GGUF files (${matching.map((f) => f.path).join(', ')}): cannot tell which is the model.`, url);
  const available = [...new Set(ggufs.flatMap((f) => precisionOf(f) ?? []))];
  const wanted = (GGUF_TYPES[model.precision] ?? []).map((t) => t.toUpperCase()).join(' or ');
  const split = ggufs.some((f) => /-\d{5}-of-\d{5}\.gguf$/i.test(f.path)) ? ' (models split into several .gguf parts are not supported)' : '';
  throw new DownloadError(
    `${model.repo} publishes no ${model.precision}${wanted ? ` (${wanted})` : ''} GGUF file${split}. ${available.length ? `It has: ${available.join(', ')}.` : `Its files: ${ggufs.map((f) => f.path).join(', ')}.`}`,
    url,
  );
}

function repoUrl(hubUrl: string, repo: string): string {
  return `${hubUrl}/${repo}`;
}

function hubError(err: unknown, model: HubModel, hubUrl: string, signal: AbortSignal | undefined): Error {
  const url = repoUrl(hubUrl, model.repo);
  if (signal?.aborted) return new DownloadError(`Download of ${model.repo} was cancelled`, url, true);
  if (err instanceof DownloadError) return err;
  if (err instanceof HubApiError) {
    const status = err.statusCode;
    const revision = model.revision && model.revision !== 'main' ? ` at revision ${model.revision}` : '';
    // Unauthenticated, the Hub answers 401 for a repo that is missing, private or gated.
    if (status === 401 || status === 404) return new DownloadError(`${model.repo}${revision} was not found on ${hubUrl}: check the name; private and gated repos are not supported.`, url);
    if (status >= 500) return new DownloadError(`${hubUrl} answered HTTP ${status} for ${model.repo}: the Hub may be down, try again later.`, url);
    return new DownloadError(`${hubUrl} refused the request for ${model.repo}: HTTP ${status} (${err.message})`, url);
  }
  if (err instanceof TypeError && (err as { cause?: unknown }).cause) return cannotReach(hubUrl, err);
  return new DownloadError(`Listing ${model.repo} on ${hubUrl} failed: ${errorMessage(err)}`, url);
}

// ---------------------------------------------------------------------------------------------
// Download: staged, resumable, verified

/**
 * Downloads `model` into `dest`. Files go to `${dest}.partial`, which is kept on failure so that a
 * retry fetches only what is missing, an interrupted file from where it stopped; the folder is
 * validated, given a manifest, and renamed to `dest` only when complete. A complete download of
 * the same model at `dest` is reused offline.
 */
export async function downloadModel(
  model: HubModel,
  dest: string,
  options: ModelDownloadOptions = {},
): Promise<{ dir: string; commit: string; bytes: number; reused: boolean }> {
  const dir = path.resolve(dest);
  const revision = model.revision ?? 'main';
  const existing = readModelManifest(dir);
  if (existing && existing.repo === model.repo && existing.revision === revision && existing.precision === model.precision && isComplete(dir, existing.files)) {
    return { dir, commit: existing.commit, bytes: sumSizes(existing.files), reused: true };
  }
  const url = repoUrl(options.endpoint ?? HUGGING_FACE, model.repo);
  if (!existing && fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
    throw new DownloadError(`${dir} already exists and is not a downloaded model: choose a new or empty folder.`, url);
  }

  const plan = await planModelDownload(model, options);
  const staging = `${dir}.partial`;
  fs.mkdirSync(staging, { recursive: true });
  removeUnplanned(staging, plan.files);
  const cancelled = () => new DownloadError(`Download of ${model.repo} was cancelled`, url, true);
  const report = progressReporter(plan.totalBytes, options.onProgress);
  const missing: RemoteFile[] = [];
  let doneBytes = 0;
  for (const file of plan.files) {
    // Re-hashing a kept 2 GB file takes seconds: the bar moves over the verified bytes.
    const onBytes = (hashed: number) => {
      if (options.signal?.aborted) throw cancelled();
      report(doneBytes + hashed, file.path);
    };
    if (await matches(path.join(staging, file.path), file, onBytes)) doneBytes += file.size;
    else missing.push(file);
  }
  if (options.signal?.aborted) throw cancelled();
  // The bytes of an interrupted file are on disk already: a disk that filled up at 1.7 of 1.8 GB needs 0.1 GB more.
  const neededBytes = missing.reduce((sum, f) => sum + f.size - partialBytes(path.join(staging, f.path), f.size), 0);
  checkFreeSpace(path.dirname(dir), neededBytes, options.freeBytes ?? statfsFreeBytes, url);

  for (const file of missing) {
    const fileUrl = `${url}/resolve/${plan.commit}/${file.path.split('/').map(encodeURIComponent).join('/')}`;
    const target = path.join(staging, file.path);
    try {
      await downloadFile(fileUrl, target, {
        signal: options.signal,
        digest: file.sha256 ? { algorithm: 'sha256', hex: file.sha256 } : undefined,
        expectedBytes: file.size,
        resume: true,
        onProgress: (p) => report(doneBytes + p.receivedBytes, file.path),
      });
    } catch (err) {
      if (err instanceof DownloadError && !err.cancelled) throw new DownloadError(`${err.message}. What was downloaded is kept: run the download again to resume.`, err.url);
      throw err;
    }
    // downloadFile checked LFS files by sha256; files kept in git are checked here by size and blob id.
    if (!file.sha256 && !(await matches(target, file))) {
      fs.rmSync(target, { force: true });
      throw new DownloadError(`Download of ${fileUrl} is corrupt: it does not match the size and hash ${model.repo} lists.`, fileUrl);
    }
    doneBytes += file.size;
  }
  report(doneBytes, plan.files.at(-1)?.path ?? '', true);

  try {
    if (model.format === 'gguf') checkGgufHeader(path.join(staging, plan.files[0].path));
    else chooseGraph(openModelFolder(staging), model.precision, 'cpu');
  } catch (err) {
    if (err instanceof EngineError) throw new EngineError(err.code, `${model.repo} downloaded but is not a usable model folder: ${err.message}`, err.file);
    throw err;
  }
  const manifest: ModelManifest = { repo: model.repo, revision, commit: plan.commit, precision: model.precision, files: plan.files, downloadedAt: new Date().toISOString() };
  writeFileAtomically(path.join(staging, MANIFEST_FILE), (fd) => writeAll(fd, Buffer.from(JSON.stringify(manifest, null, 2) + '\n')));
  install(staging, dir);
  return { dir, commit: plan.commit, bytes: plan.totalBytes, reused: false };
}

function sumSizes(files: RemoteFile[]): number {
  return files.reduce((sum, f) => sum + f.size, 0);
}

function isComplete(dir: string, files: RemoteFile[]): boolean {
  return files.every((f) => fs.statSync(path.join(dir, f.path), { throwIfNoEntry: false })?.size === f.size);
}

/** Drops what an earlier attempt at another precision left; the partial bytes of planned files stay for resuming. */
function removeUnplanned(staging: string, files: RemoteFile[]): void {
  const planned = new Set(
    files.flatMap((f) => {
      const file = path.join(staging, f.path);
      return [file, ...Object.values(partialFiles(file))];
    }),
  );
  for (const rel of fs.readdirSync(staging, { recursive: true }) as string[]) {
    const file = path.join(staging, rel);
    if (!planned.has(file) && fs.statSync(file).isFile()) fs.rmSync(file);
  }
}

/** The bytes an interrupted download of `file` kept, at most `size`. */
function partialBytes(file: string, size: number): number {
  return Math.min(size, fs.statSync(partialFiles(file).partial, { throwIfNoEntry: false })?.size ?? 0);
}

async function matches(file: string, remote: RemoteFile, onBytes?: (hashed: number) => void): Promise<boolean> {
  const size = fs.statSync(file, { throwIfNoEntry: false })?.size;
  if (size !== remote.size) return false;
  if (remote.sha256) return (await hashFile(file, createHash('sha256'), { onBytes })).digest('hex') === remote.sha256;
  // A git blob id is the sha1 of a header and the content.
  if (remote.oid) return (await hashFile(file, createHash('sha1').update(`blob ${size}\0`), { onBytes })).digest('hex') === remote.oid;
  return true;
}

function statfsFreeBytes(dir: string): number {
  const s = fs.statfsSync(dir);
  return s.bavail * s.bsize;
}

function checkFreeSpace(dir: string, neededBytes: number, freeBytes: (dir: string) => number, url: string): void {
  fs.mkdirSync(dir, { recursive: true });
  const free = freeBytes(dir);
  if (free >= neededBytes) return;
  throw new DownloadError(`Not enough free disk space in ${dir}: the model needs ${formatBytes(neededBytes)} more, ${formatBytes(free)} is free.`, url);
}

/** At most one report per PROGRESS_INTERVAL_MS, and the last one always; never less than an earlier one. */
function progressReporter(totalBytes: number, onProgress: ModelDownloadOptions['onProgress']) {
  let last = 0;
  let highest = 0;
  return (receivedBytes: number, file: string, final = false) => {
    // A kept file that fails its re-check is fetched again: the bar waits rather than moving back.
    highest = Math.max(highest, receivedBytes);
    const now = Date.now();
    if (!onProgress || (!final && now - last < PROGRESS_INTERVAL_MS)) return;
    last = now;
    onProgress({ receivedBytes: highest, totalBytes, file });
  };
}

/** Renames `staging` to `dir`, replacing an earlier download there; `dir` is never half-written. */
function install(staging: string, dir: string): void {
  if (fs.existsSync(dir)) {
    const old = `${dir}.old-${process.pid}`;
    fs.renameSync(dir, old);
    fs.renameSync(staging, dir);
    fs.rmSync(old, { recursive: true, force: true });
  } else {
    fs.renameSync(staging, dir);
  }
}
