/**
 * Gives the memory of a released model back to the system. glibc's malloc raises its mmap
 * threshold after large frees, so onnxruntime's freed weights stay in the heap, resident: after
 * the 0.5B q4 model was released ~400 MB of its ~900 stayed in the worker, and the next model
 * loaded on top of them. malloc_trim(0) returns the free pages (65 ms there; test/bench/memory.ts).
 * A fixed MALLOC_MMAP_THRESHOLD_ would too, but costs ~6,400 page faults per decoded token (every
 * KV output buffer mmapped), several times slower decode (test/bench/NOTES.md). Linux/glibc only
 * (koffi, a C FFI, calls it); elsewhere, or without koffi's binary, nothing is done.
 */
import { errorMessage } from '../shared/errors';

type Trim = () => number;
let trim: Trim | null | undefined;
let unavailable: string | undefined;

function load(): Trim | null {
  if (process.platform !== 'linux') return null;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const koffi = require('koffi') as { load(lib: string): { func(signature: string): (pad: number) => number } };
    const mallocTrim = koffi.load('libc.so.6').func('int malloc_trim(size_t pad)');
    return () => mallocTrim(0);
  } catch (err) {
    // musl has no malloc_trim (and returns freed memory itself); a missing binary costs only the give-back.
    unavailable = errorMessage(err);
    return null;
  }
}

/** Trims the C heap; says what it did, or why it could not (undefined off Linux). */
export function trimHeap(): string | undefined {
  if (trim === undefined) trim = load();
  if (!trim) return unavailable && `heap not trimmed: ${unavailable}`;
  const started = performance.now();
  const released = trim() === 1;
  return `heap trimmed in ${(performance.now() - started).toFixed(0)} ms${released ? '' : ' (nothing to return)'}`;
}
