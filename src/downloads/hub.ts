/**
 * The Hub's address and what a finished download leaves in a model folder. Kept apart from
 * huggingFace.ts (which imports @huggingface/hub) so that activation can read them cheaply.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Precision } from '../modelFormat/precision';

export const HUGGING_FACE = 'https://huggingface.co';
export const MANIFEST_FILE = '.slm-model.json';

export interface RemoteFile {
  path: string;
  size: number;
  /** lfs.oid: the content's sha256, listed for files stored in LFS or xet. */
  sha256?: string;
  /** Git blob id (sha1 of `blob <size>\0` + content): what the Hub lists for files stored in git. */
  oid?: string;
}

export interface ModelManifest {
  repo: string;
  revision: string;
  commit: string;
  precision: Precision;
  files: RemoteFile[];
  downloadedAt: string;
}

/** The manifest of a folder downloadModel wrote, or undefined. */
export function readModelManifest(dir: string): ModelManifest | undefined {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as ModelManifest;
    const valid = typeof m.repo === 'string' && typeof m.revision === 'string' && typeof m.commit === 'string' && typeof m.precision === 'string' && Array.isArray(m.files);
    return valid ? m : undefined;
  } catch {
    return undefined;
  }
}
