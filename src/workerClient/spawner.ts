import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { WorkerError } from './workerError';

export interface SpawnOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  /** Node flags for the worker; default WORKER_NODE_FLAGS. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  onStderr?(text: string): void;
}

/**
 * V8's concurrent GC threads compete with onnxruntime's intra-op threads for the cores: each
 * decode step allocates ~12 MB of present.* buffers, so full GCs come every few tokens. Collecting
 * on the worker's own thread measured +20-30% decode tok/s (0.5B q4, 2 cores: 31-36 vs 24-30;
 * test/bench/NOTES.md).
 */
export const WORKER_NODE_FLAGS = ['--single-threaded-gc'];

/** Starts a worker process with an IPC channel; its stderr goes to the caller's log. */
export function spawnWorker(options: SpawnOptions): ChildProcess {
  if (!fs.existsSync(options.workerPath)) {
    throw new WorkerError('worker-start-failed', `The inference worker ${options.workerPath} is missing: run "npm run build".`, options.workerPath);
  }
  const child = fork(options.workerPath, [], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: options.execArgv ?? WORKER_NODE_FLAGS,
    env: options.env ?? process.env,
    serialization: 'json',
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => options.onStderr?.(text));
  return child;
}
