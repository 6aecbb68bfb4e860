import { fork, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import { WorkerError } from './workerError';

export interface SpawnOptions {
  /** The bundled worker script (dist/worker.js). */
  workerPath: string;
  /** Node flags for the worker, e.g. a heap limit. */
  execArgv?: string[];
  env?: NodeJS.ProcessEnv;
  onStderr?(text: string): void;
}

/** Starts a worker process with an IPC channel; its stderr goes to the caller's log. */
export function spawnWorker(options: SpawnOptions): ChildProcess {
  if (!fs.existsSync(options.workerPath)) {
    throw new WorkerError('worker-start-failed', `The inference worker ${options.workerPath} is missing: run "npm run build".`, options.workerPath);
  }
  const child = fork(options.workerPath, [], {
    stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    execArgv: options.execArgv ?? [],
    env: options.env ?? process.env,
    serialization: 'json',
  });
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (text: string) => options.onStderr?.(text));
  return child;
}
