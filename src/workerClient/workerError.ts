import type { ErrorCode, WireError } from '../shared/errors';

/** A failed worker request: an engine error from the worker, or the worker itself failing. */
export class WorkerError extends Error {
  override readonly name = 'WorkerError';
  constructor(readonly code: ErrorCode, message: string, readonly file?: string) {
    super(message);
  }

  static fromWire(error: WireError): WorkerError {
    return new WorkerError(error.code, error.message, error.file);
  }
}
