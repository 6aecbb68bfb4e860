import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LoadParams } from '../worker/protocol';
import { WorkerClient } from '../workerClient/workerClient';

/** A mistake in the command line: usage is shown and the exit code is 2. */
export class UsageError extends Error {}

export function numberArg(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${value}"`);
  return n;
}

export function required(value: string | undefined, name: string): string {
  if (!value) throw new UsageError(`--${name} is required`);
  return value;
}

/** Reads a file named on the command line; a missing one is a usage error. */
export function readTextFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${file}: ${(err as Error).message}`);
  }
}

/** Options every model-loading command shares. */
export const MODEL_OPTIONS = {
  model: { type: 'string' },
  device: { type: 'string' },
  precision: { type: 'string' },
  threads: { type: 'string' },
  json: { type: 'boolean', default: false },
} as const;

export function loadParams(values: { model?: string; device?: string; precision?: string; threads?: string }): LoadParams {
  return {
    role: 'completion',
    modelDir: required(values.model, 'model'),
    device: values.device as LoadParams['device'],
    precision: values.precision as LoadParams['precision'],
    threads: numberArg(values.threads, 'threads'),
  };
}

/** The same worker the extension runs, beside this script in dist/. */
export function startWorker(quiet: boolean): WorkerClient {
  return new WorkerClient({
    workerPath: path.join(__dirname, 'worker.js'),
    log: (level, line) => {
      if (level !== 'info' || !quiet) process.stderr.write(`[${level}] ${line}\n`);
    },
  });
}
