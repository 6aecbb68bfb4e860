/**
 * Why a request to an inference server failed, typed, so the backend can decide to retry or fall
 * back and the status bar can say what to do, without parsing messages.
 */
export type ServerErrorCode =
  /** slm.server.url is missing or not an http(s) URL. */
  | 'bad-url'
  /** Plain http to another host without slm.server.allowInsecureHttp. */
  | 'insecure-http'
  /** Connection refused, DNS failure, host down. */
  | 'unreachable'
  /** 401/403: no API key, or the wrong one. */
  | 'unauthorized'
  /** 404: the path or the model is not there. */
  | 'not-found'
  /** 503: the server is loading its model. */
  | 'loading'
  /** A 3xx answer: refused, since a redirect could carry the code (and the key) elsewhere. */
  | 'redirect'
  /** A 4xx/5xx not above, with the server's own message. */
  | 'server-error'
  /** The stream is not what the protocol says (bad JSON, no text). */
  | 'bad-response'
  /** No answer within the first-byte or idle timeout. */
  | 'timeout'
  /** The connection closed before the answer ended. */
  | 'connection-cut'
  /** The server cannot do what was asked (no FIM tokens, no chat). */
  | 'unsupported';

const RETRYABLE: ReadonlySet<ServerErrorCode> = new Set(['unreachable', 'loading', 'timeout', 'connection-cut']);

export class ServerError extends Error {
  override readonly name = 'ServerError';
  constructor(
    readonly code: ServerErrorCode,
    message: string,
    readonly status?: number,
  ) {
    super(message);
  }

  /** Worth another try after a pause: the server may come up, finish loading or answer faster. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

/** An AbortSignal's abort, told apart from a failure. */
export function isAbort(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError';
}

export function abortError(): Error {
  const err = new Error('the request was cancelled');
  err.name = 'AbortError';
  return err;
}
