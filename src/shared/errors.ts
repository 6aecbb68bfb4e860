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
  | 'fim-unsupported'
  | 'inference-failed';

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
