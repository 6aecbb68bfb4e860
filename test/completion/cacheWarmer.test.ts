import * as assert from 'node:assert/strict';
import type { BackendResult, InfillRequest, StreamOptions } from '../../src/backend/inferenceBackend';
import { CacheWarmer } from '../../src/completion/cacheWarmer';
import { CompletionService, type CompletionRequest } from '../../src/completion/completionService';
import { backendResult, COMPLETION_SETTINGS, requestFor } from '../support/completionRequests';

const TEXT = 'function area(r: number) {\n  return Math.PI * r * r;\n}\n\nconst total = ';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A backend whose infill calls the test answers (or leaves hanging until aborted). */
class FakeBackend {
  readonly calls: { request: InfillRequest; signal?: AbortSignal }[] = [];
  answer: (request: InfillRequest) => Promise<BackendResult> = async () => backendResult('x');
  infill = (request: InfillRequest, options?: StreamOptions): Promise<BackendResult> => {
    this.calls.push({ request, signal: options?.signal });
    return this.answer(request);
  };
}

describe('CacheWarmer: the prompt where the cursor rests is prefilled', () => {
  let backend: FakeBackend;
  let service: CompletionService;
  let lines: string[];
  let canWarm: boolean;
  let warmer: CacheWarmer;
  const at = (line: number, character = 0, documentId?: string): CompletionRequest => requestFor(TEXT, line, character, { explicit: false, ...(documentId ? { documentId } : {}) });
  /** The cursor rests at (line, character) and stays there past the idle time. */
  const rest = async (request: CompletionRequest) => {
    warmer.cursorAt(request.documentId, request.position.line, () => request);
    await sleep(40);
  };

  beforeEach(() => {
    backend = new FakeBackend();
    service = new CompletionService(backend, () => COMPLETION_SETTINGS);
    lines = [];
    canWarm = true;
    warmer = new CacheWarmer({ service, backend, canWarm: () => canWarm, log: (line) => lines.push(line), idleMs: 10 });
  });
  afterEach(() => warmer.cancel());

  it('sends the prompt a completion there would send, for one new token, and logs what it cost', async () => {
    const request = at(4, 14);
    await rest(request);
    assert.equal(backend.calls.length, 1);
    const sent = backend.calls[0]!.request;
    const planned = service.plan(request).params;
    assert.deepEqual(sent.input, planned.input);
    assert.deepEqual(sent.budget, planned.budget);
    assert.equal(sent.maxNewTokens, 1);
    assert.deepEqual(sent.stopStrings, []);
    assert.match(lines[0] ?? '', /^warm-up at line 5: 10 prompt tokens, 0 reused, \d+ ms$/);
  });

  it('warms a line once: resting there again sends nothing, another line or document does', async () => {
    await rest(at(4, 14));
    await rest(at(4, 3));
    assert.equal(backend.calls.length, 1);
    await rest(at(1, 2));
    await rest(at(1, 2, 'file:///w/other.ts'));
    assert.equal(backend.calls.length, 3);
  });

  it('waits for the cursor to rest: a move within the idle time replaces the pending warm-up', async () => {
    warmer.cursorAt('file:///w/main.ts', 0, () => at(0));
    warmer.cursorAt('file:///w/main.ts', 1, () => at(1));
    await sleep(40);
    assert.deepEqual(backend.calls.map((c) => c.request.input.prefix), [service.plan(at(1)).params.input.prefix]);
  });

  it('a completion request cancels a running warm-up and one pending for its own line, and its line needs none', async () => {
    warmer.cursorAt('file:///w/main.ts', 4, () => at(4, 14));
    warmer.requested(at(4, 14));
    await sleep(40);
    assert.equal(backend.calls.length, 0, 'pending warm-up cancelled');
    await rest(at(4, 2));
    assert.equal(backend.calls.length, 0, 'the request warmed its line');

    backend.answer = (request) => new Promise((_, reject) => backend.calls.at(-1)!.signal!.addEventListener('abort', () => reject(new Error(`aborted ${request.maxNewTokens}`))));
    await rest(at(1));
    assert.equal(backend.calls.length, 1);
    warmer.requested(at(2));
    assert.equal(backend.calls[0]!.signal!.aborted, true, 'running warm-up aborted');
    await sleep(5);
    assert.deepEqual(lines, [], 'an aborted warm-up is no failure');
    await rest(at(2, 1));
    assert.equal(backend.calls.length, 1, "the request's line stays warm after the aborted warm-up settles");
  });

  it('a request for the line the cursor just left keeps the warm-up pending for its new line', async () => {
    warmer.cursorAt('file:///w/main.ts', 0, () => at(0));
    warmer.requested(at(4, 14));
    await sleep(40);
    assert.deepEqual(backend.calls.map((c) => c.request.input.prefix), [service.plan(at(0)).params.input.prefix]);
  });

  it('tries again after another idle time while the model is busy', async () => {
    canWarm = false;
    warmer.cursorAt('file:///w/main.ts', 4, () => at(4, 14));
    await sleep(25);
    canWarm = true;
    await sleep(40);
    assert.equal(backend.calls.length, 1);
  });

  it('sends nothing when it may not warm now (a generation runs, no model) or the place is not served', async () => {
    canWarm = false;
    await rest(at(4, 14));
    await sleep(100); // past its tries
    canWarm = true;
    warmer.cursorAt('file:///w/main.ts', 3, () => undefined);
    await sleep(40);
    assert.equal(backend.calls.length, 0);
    await rest(at(4, 14));
    assert.equal(backend.calls.length, 1, 'the line was not marked warm by the skipped attempts');
  });

  it('a failed or cancelled warm-up leaves the line cold, so it is tried again', async () => {
    backend.answer = () => Promise.reject(new Error('server unreachable'));
    await rest(at(4, 14));
    assert.deepEqual(lines, ['warm-up failed: server unreachable']);
    backend.answer = async () => backendResult('', 'cancelled');
    await rest(at(4, 14));
    backend.answer = async () => backendResult('x');
    await rest(at(4, 14));
    assert.equal(backend.calls.length, 3);
    assert.equal(lines.length, 2);
  });

  it('an edit of the document makes its warm line cold again; an edit elsewhere does not', async () => {
    await rest(at(4, 14));
    warmer.edited('file:///w/other.ts');
    await rest(at(4, 14));
    assert.equal(backend.calls.length, 1);
    warmer.edited('file:///w/main.ts');
    await rest(at(4, 14));
    assert.equal(backend.calls.length, 2);
  });

  it('reset forgets which line is warm (the model changed)', async () => {
    await rest(at(4, 14));
    warmer.reset();
    await rest(at(4, 14));
    assert.equal(backend.calls.length, 2);
  });
});
