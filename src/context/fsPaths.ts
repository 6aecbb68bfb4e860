import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

/** A document's file system path, from a `file:` URI or an absolute path; undefined for other schemes. */
export function toFsPath(uri: string): string | undefined {
  if (uri.startsWith('file:')) return fileURLToPath(uri);
  return path.isAbsolute(uri) ? uri : undefined;
}

/** The label the model sees for a file: relative to the workspace folder holding it, with `/`. */
export function relativeLabel(roots: string[], file: string): string {
  const root = roots.find((r) => file.startsWith(r + path.sep));
  return root ? path.relative(root, file).split(path.sep).join('/') : file;
}

/** Whether `file` is `dir` or lies under it. */
export function isWithin(dir: string, file: string): boolean {
  return file === dir || file.startsWith(dir.endsWith(path.sep) ? dir : dir + path.sep);
}
