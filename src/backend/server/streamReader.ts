import { ServerError } from './serverError';

/** How a server frames its streamed answer: Server-Sent Events (llama.cpp, OpenAI-compatible) or one JSON per line (Ollama). */
export type StreamFormat = 'sse' | 'ndjson';

/**
 * The JSON events of a streamed answer, whatever the framing: lines split across network chunks
 * and UTF-8 characters split across them, SSE comments (`: ping`), `event:`/`id:` fields and
 * multi-line `data:`, blank keep-alive lines; `data: [DONE]` ends the stream. A piece that is not
 * JSON is a bad response, never skipped silently.
 */
export async function* readEvents(chunks: AsyncIterable<Buffer | string>, format: StreamFormat, host: string): AsyncGenerator<unknown> {
  const decoder = new TextDecoder('utf-8');
  let buffered = '';
  let data: string[] = [];
  const parse = (text: string): unknown => {
    try {
      return JSON.parse(text);
    } catch {
      throw new ServerError('bad-response', `${host} sent a stream piece that is not JSON: ${text.slice(0, 120)}`);
    }
  };
  // Yields the event a line completes, if any; `done` when the stream says it ended.
  function* line(raw: string): Generator<unknown | typeof DONE> {
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (format === 'ndjson') {
      if (text.trim()) yield parse(text);
      return;
    }
    if (text === '') {
      if (!data.length) return;
      const payload = data.join('\n');
      data = [];
      if (payload.trim() === '[DONE]') yield DONE;
      else yield parse(payload);
      return;
    }
    if (text.startsWith(':')) return;
    const colon = text.indexOf(':');
    const field = colon < 0 ? text : text.slice(0, colon);
    const value = colon < 0 ? '' : text.slice(colon + 1).replace(/^ /, '');
    if (field === 'data') data.push(value);
    else if (field === 'error') throw new ServerError('server-error', `${host} reported an error mid-stream: ${value.slice(0, 200)}`);
  }
  for await (const chunk of chunks) {
    buffered += typeof chunk === 'string' ? chunk : decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const raw = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 1);
      for (const event of line(raw)) {
        if (event === DONE) return;
        yield event;
      }
    }
  }
  buffered += decoder.decode();
  // The last event may lack its closing blank line (llama.cpp's /infill sends no [DONE]).
  for (const raw of [buffered, '']) for (const event of line(raw)) {
    if (event === DONE) return;
    yield event;
  }
}

const DONE = Symbol('done');
