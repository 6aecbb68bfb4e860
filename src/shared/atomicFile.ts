import * as fs from 'node:fs';

/**
 * Writes `file` through a temporary file beside it, renamed into place once `write` has written it
 * all: a crash or an error leaves the old file or none, never a half-written one.
 */
export function writeFileAtomically(file: string, write: (fd: number) => void): void {
  const tmp = `${file}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
  const fd = fs.openSync(tmp, 'w');
  try {
    write(fd);
    fs.closeSync(fd);
    fs.renameSync(tmp, file);
  } catch (err) {
    try {
      fs.closeSync(fd);
    } catch {
      // already closed
    }
    fs.rmSync(tmp, { force: true });
    throw err;
  }
}

/** Writes all of `data` (one fs.writeSync may write less). */
export function writeAll(fd: number, data: Uint8Array): void {
  let o = 0;
  while (o < data.length) o += fs.writeSync(fd, data, o, data.length - o);
}
