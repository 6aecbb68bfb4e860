import * as http from 'node:http';
import * as https from 'node:https';
import { abortError, ServerError } from './serverError';

export interface HttpOptions {
  signal?: AbortSignal;
  headers?: Record<string, string>;
  /** Until the answer's status line: a server busy prefilling a long prompt takes a while. */
  firstByteTimeoutMs: number;
  /** Between two pieces of the body once it started. */
  idleTimeoutMs: number;
}

/** Kept-alive connections: a keystroke's request skips the TCP (and TLS) handshake. Aborting destroys its socket. */
const AGENTS = { 'http:': new http.Agent({ keepAlive: true, maxSockets: 4 }), 'https:': new https.Agent({ keepAlive: true, maxSockets: 4 }) };

/**
 * One HTTP request whose body is read as it arrives. Aborting the signal destroys the socket, which
 * is how a server learns the answer is no longer wanted (llama-server then cancels its task).
 * Redirects are refused, never followed. Non-2xx answers reject with a typed ServerError carrying
 * the server's own message.
 */
export function openStream(method: 'GET' | 'POST', url: string, body: unknown, options: HttpOptions): Promise<AsyncIterable<Buffer>> {
  const { signal } = options;
  if (signal?.aborted) return Promise.reject(abortError());
  const target = new URL(url);
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = transport.request(target, {
      method,
      agent: AGENTS[target.protocol as 'http:' | 'https:'],
      headers: { accept: 'application/json, text/event-stream, application/x-ndjson', ...(payload ? { 'content-type': 'application/json', 'content-length': String(payload.length) } : {}), ...options.headers },
    });
    let settled = false;
    const fail = (err: Error) => {
      cleanup();
      req.destroy();
      if (!settled) {
        settled = true;
        reject(err);
      }
    };
    const onAbort = () => fail(abortError());
    const firstByte = setTimeout(() => fail(new ServerError('timeout', `${target.host} sent no answer within ${Math.round(options.firstByteTimeoutMs / 1000)} s.`)), options.firstByteTimeoutMs);
    const cleanup = () => {
      clearTimeout(firstByte);
      signal?.removeEventListener('abort', onAbort);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    req.on('error', (err) => fail(networkError(err, target.host, false)));
    req.on('response', (res) => {
      clearTimeout(firstByte);
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        void readSome(res).then((text) => fail(statusError(status, text, target, res.headers.location)));
        return;
      }
      settled = true;
      resolve(bodyChunks(req, res, target.host, options.idleTimeoutMs, signal, cleanup));
    });
    req.end(payload);
  });
}

async function* bodyChunks(req: http.ClientRequest, res: http.IncomingMessage, host: string, idleMs: number, signal: AbortSignal | undefined, cleanup: () => void): AsyncGenerator<Buffer> {
  let timedOut = false;
  req.setTimeout(idleMs, () => {
    timedOut = true;
    req.destroy();
  });
  try {
    for await (const chunk of res) yield chunk as Buffer;
    // A body cut short by the server reads as a clean end in some Node versions: `complete` tells.
    if (!res.complete) throw new ServerError('connection-cut', `${host} closed the connection before the answer ended.`);
  } catch (err) {
    if (signal?.aborted) throw abortError();
    if (timedOut) throw new ServerError('timeout', `${host} stopped sending for ${Math.round(idleMs / 1000)} s.`);
    if (err instanceof ServerError) throw err;
    throw networkError(err as Error, host, true);
  } finally {
    cleanup();
    // Whoever stops reading early (a stop string, an abort, a bad chunk) closes the connection.
    if (!res.complete) req.destroy();
  }
}

/** A whole JSON answer (probes, model lists): GET, or POST with `body`. */
export async function requestJson(url: string, options: HttpOptions, body?: unknown): Promise<unknown> {
  const parts: Buffer[] = [];
  for await (const chunk of await openStream(body === undefined ? 'GET' : 'POST', url, body, options)) parts.push(chunk);
  const text = Buffer.concat(parts).toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new ServerError('bad-response', `${new URL(url).host}${new URL(url).pathname} did not answer JSON: ${text.slice(0, 120)}`);
  }
}

function networkError(err: Error, host: string, midStream: boolean): ServerError {
  const code = (err as NodeJS.ErrnoException).code ?? '';
  if (['ECONNREFUSED', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN', 'EADDRNOTAVAIL'].includes(code)) {
    return new ServerError('unreachable', `cannot reach ${host} (${code}): is the server running?`);
  }
  if (midStream || code === 'ECONNRESET' || code === 'EPIPE' || err.message === 'socket hang up') {
    return new ServerError('connection-cut', `${host} closed the connection${midStream ? ' mid-answer' : ''} (${code || err.message}).`);
  }
  return new ServerError('unreachable', `cannot reach ${host}: ${err.message}`);
}

function statusError(status: number, body: string, target: URL, location: string | undefined): ServerError {
  const said = serverMessage(body);
  const where = `${target.host}${target.pathname}`;
  if (status >= 300 && status < 400) return new ServerError('redirect', `${where} redirects to ${location ?? 'another address'}; redirects are not followed (they could carry your code elsewhere): set slm.server.url to the final address.`, status);
  if (status === 401 || status === 403) return new ServerError('unauthorized', `${target.host} refused the request (${status}${said ? `: ${said}` : ''}): set its API key with "Local Completion: Set Server API Key".`, status);
  if (status === 404) return new ServerError('not-found', `${where} is not there (404${said ? `: ${said}` : ''}).`, status);
  if (status === 503) return new ServerError('loading', `${target.host} is not ready (503${said ? `: ${said}` : ''}); it may still be loading its model.`, status);
  return new ServerError('server-error', `${where} answered ${status}${said ? `: ${said}` : ''}.`, status);
}

/** The message in a JSON error body (`{error: {message}}`, `{error: "..."}`, `{message}`), or the text's start. */
function serverMessage(body: string): string {
  try {
    const json = JSON.parse(body) as { error?: unknown; message?: unknown; detail?: unknown };
    const e = json.error;
    const text = typeof e === 'string' ? e : typeof (e as { message?: unknown })?.message === 'string' ? (e as { message: string }).message : typeof json.message === 'string' ? json.message : typeof json.detail === 'string' ? json.detail : undefined;
    if (text) return text.slice(0, 300);
  } catch {
    // not JSON
  }
  return body.trim().slice(0, 200);
}

async function readSome(res: http.IncomingMessage): Promise<string> {
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of res) {
      parts.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size > 8192) break;
    }
  } catch {
    // what arrived is enough for a message
  }
  return Buffer.concat(parts).toString('utf8');
}
