/**
 * Typed engine errors. Every failure a user can cause (a bad model folder, an unavailable
 * device, a bad request) becomes an EngineError whose message names the file and says what
 * to do; the code lets callers (worker client, CLI, UI) react without parsing text.
 */
export type EngineErrorCode =
  | 'model-folder-missing'
  | 'config-missing'
  | 'config-invalid'
  | 'tokenizer-missing'
  | 'tokenizer-invalid'
  | 'graph-missing'
  | 'graph-invalid'
  | 'external-data-missing'
  | 'unsupported-architecture'
  | 'vocab-mismatch'
  | 'contract-unsupported'
  | 'provider-unavailable'
  | 'bad-request'
  | 'not-loaded'
  | 'no-model'
  | 'fim-unsupported'
  | 'chat-unsupported'
  | 'out-of-memory'
  | 'context-too-long'
  | 'inference-failed';

/** Engine errors, and the worker process itself failing (raised on the caller's side). */
export type ErrorCode = EngineErrorCode | 'worker-exited' | 'worker-hung' | 'worker-start-failed' | 'unknown-request' | 'internal';

/** An error as it crosses a thread or process boundary (structured clone or JSON). */
export interface WireError {
  code: ErrorCode;
  message: string;
  file?: string;
}

export class EngineError extends Error {
  override readonly name = 'EngineError';
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    /** The file the problem is about, when there is one. */
    readonly file?: string,
  ) {
    super(message);
  }
}

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** `err` for the other side of a boundary: typed engine errors keep their code, the rest get `fallback`. */
export function toWireError(err: unknown, fallback: ErrorCode): WireError {
  if (err instanceof EngineError) return { code: err.code, message: err.message, ...(err.file ? { file: err.file } : {}) };
  if (err instanceof RangeError) return { code: 'bad-request', message: err.message };
  return { code: fallback, message: errorMessage(err) };
}
