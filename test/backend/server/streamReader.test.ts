import * as assert from 'node:assert/strict';
import { readEvents } from '../../../src/backend/server/streamReader';
import { ServerError } from '../../../src/backend/server/serverError';

async function* chunks(...parts: (string | Buffer)[]) {
  for (const p of parts) yield typeof p === 'string' ? Buffer.from(p) : p;
}
const collect = async (it: AsyncIterable<unknown>) => {
  const out: unknown[] = [];
  for await (const e of it) out.push(e);
  return out;
};

describe('readEvents', () => {
  it('joins SSE lines split across chunks, skips comments and other fields, ends at [DONE]', async () => {
    const events = await collect(readEvents(chunks(': ping\n\nevent: message\nid: 1\nda', 'ta: {"a":', '1}\n\ndata: {"a":2}\r\n\r\n', 'data: [DONE]\n\ndata: {"a":3}\n\n'), 'sse', 'h'));
    assert.deepEqual(events, [{ a: 1 }, { a: 2 }]);
  });

  it('joins multi-line data, and reads a last event without its blank line (llama.cpp /infill has no [DONE])', async () => {
    assert.deepEqual(await collect(readEvents(chunks('data: {"a":\ndata: 1}\n\ndata: {"stop":true}'), 'sse', 'h')), [{ a: 1 }, { stop: true }]);
  });

  it('keeps a UTF-8 character split across chunks whole', async () => {
    const bytes = Buffer.from('data: {"t":"é€😀"}\n\n');
    const parts = Array.from(bytes).map((b) => Buffer.from([b]));
    assert.deepEqual(await collect(readEvents(chunks(...parts), 'sse', 'h')), [{ t: 'é€😀' }]);
  });

  it('reads NDJSON, blank lines and a last line without a newline', async () => {
    assert.deepEqual(await collect(readEvents(chunks('{"r":"a"}\n\n{"r', '":"b"}\n{"done":true}'), 'ndjson', 'h')), [{ r: 'a' }, { r: 'b' }, { done: true }]);
  });

  it('fails on a piece that is not JSON, naming the host', async () => {
    await assert.rejects(collect(readEvents(chunks('data: {"a":1}\n\ndata: <html>\n\n'), 'sse', 'example:8080')), (e: ServerError) => e.code === 'bad-response' && e.message.includes('example:8080'));
  });
});
