import * as assert from 'node:assert/strict';
import type { BackendResult, InfillRequest, StreamOptions } from '../../src/backend/inferenceBackend';
import { CompletionService, type Completion, type CompletionSettings, type RequestRecord } from '../../src/completion/completionService';
import { documentWindow } from '../../src/completion/documentWindow';
import { GRACE_MS, InFlight } from '../../src/completion/inFlight';
import { backendResult, COMPLETION_SETTINGS, requestFor } from '../support/completionRequests';

const settle = () => new Promise((r) => setImmediate(r));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** One infill call of the scripted backend: the test streams its text and ends it. */
interface Call {
  params: InfillRequest;
  streamed: string;
  aborted: boolean;
  send(text: string): void;
  end(): void;
}

/** A backend whose stream the test writes: each infill waits until the test sends text and ends it, or its signal aborts. */
function scripted() {
  const calls: Call[] = [];
  const backend = {
    infill(params: InfillRequest, options: StreamOptions = {}): Promise<BackendResult> {
      return new Promise((resolve) => {
        const call: Call = {
          params,
          streamed: '',
          aborted: false,
          send(text) {
            call.streamed += text;
            options.onText?.(text);
          },
          end: () => resolve(backendResult(call.streamed)),
        };
        options.signal?.addEventListener('abort', () => {
          call.aborted = true;
          resolve({ ...backendResult(call.streamed), finishReason: 'cancelled' });
        }, { once: true });
        calls.push(call);
      });
    },
  };
  /** The n-th call, once the service has made it (context is built first). */
  const call = async (n: number): Promise<Call> => {
    for (let i = 0; i < 100 && calls.length <= n; i++) await settle();
    assert.ok(calls[n], `backend call ${n + 1} made`);
    return calls[n]!;
  };
  return { backend, calls, call };
}

/** A typed keystroke as VS Code asks: as-you-type (not explicit), in `main.ts` unless said otherwise. */
const typing = (text: string, character: number, documentId?: string) => requestFor(text, 0, character, { explicit: false, documentId });

describe('CompletionService with a generation in flight', () => {
  let records: RequestRecord[];
  let fake: ReturnType<typeof scripted>;
  let service: CompletionService;
  const make = (settings: CompletionSettings = COMPLETION_SETTINGS) => {
    records = [];
    fake = scripted();
    service = new CompletionService(fake.backend, () => ({ ...settings, maxContextTokens: 0 }), { onRecord: (r) => records.push(r) });
  };
  /** A request whose caller VS Code cancels on the next keystroke. */
  const ask = (text: string, character: number, documentId?: string) => {
    const controller = new AbortController();
    const shown = service.provide(typing(text, character, documentId), controller.signal);
    return { shown, cancel: () => controller.abort() };
  };
  beforeEach(() => make());

  it('typing the first streamed characters takes the rest of the same generation: one backend call', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('item');
    first.cancel(); // VS Code cancels the older request when the user types
    const second = ask('const total = it;', 16);
    await settle();
    call.send('s.length');
    call.end();
    assert.deepEqual(await second.shown, { text: 'ems.length', source: 'in-flight' } satisfies Completion);
    assert.equal(await first.shown, undefined);
    assert.equal(fake.calls.length, 1);
    assert.equal(call.aborted, false);
    assert.deepEqual(records.map((r) => `${r.source} ${r.outcome}`), ['model cancelled', 'in-flight shown']);
    assert.equal(records[0]!.result?.text, 'items.length', 'the generation\'s figures go with the request it was started for');
    assert.deepEqual({ ...records[1]!.inFlight, waitedMs: 0 }, { typedChars: 2, waitedMs: 0, diverged: false });
    // The cache: the older position gets the whole text, the newer its rest; no further model call.
    assert.deepEqual(await service.provide(requestFor('const total = it;', 0, 16), new AbortController().signal), { text: 'ems.length', source: 'cache' });
    assert.deepEqual(await service.provide(requestFor('const total = ;', 0, 14), new AbortController().signal), { text: 'items.length', source: 'cache' });
    // Typing on into what is shown (the older position's, served last): its typed-ahead rest.
    assert.deepEqual(await service.provide(typing('const total = item;', 18), new AbortController().signal), { text: 's.length', source: 'typed-ahead' });
    assert.equal(fake.calls.length, 1);
  });

  it('typing what the stream contradicts stops it and starts a generation of its own', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('items');
    first.cancel();
    const second = ask('const total = x;', 15);
    assert.ok(call.aborted, 'the first generation stopped at once: nobody wants it');
    const own = await fake.call(1);
    assert.equal(own.params.input.prefix, 'const total = x');
    own.send(' * 2');
    own.end();
    assert.deepEqual(await second.shown, { text: ' * 2', source: 'model' });
    assert.equal(fake.calls.length, 2);
  });

  it('typing ahead of what has streamed waits: the rest when the model then writes it', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    first.cancel();
    const second = ask('const total = it;', 16); // nothing streamed yet (still prefilling)
    await settle();
    call.send('i');
    await settle();
    call.send('tems.length');
    call.end();
    assert.deepEqual(await second.shown, { text: 'ems.length', source: 'in-flight' });
    assert.equal(fake.calls.length, 1);
  });

  it('typing ahead of what has streamed waits: when the model then writes otherwise, it stops at once and a generation of its own starts', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('i');
    first.cancel();
    const second = ask('const total = ix;', 16);
    await settle();
    assert.equal(fake.calls.length, 1, 'waits: "ix" may still come');
    call.send('tems');
    assert.ok(call.aborted, 'stopped as soon as the stream diverged, not at its end');
    const own = await fake.call(1);
    own.send(' + 1');
    own.end();
    assert.deepEqual(await second.shown, { text: ' + 1', source: 'model' });
    const waited = records.find((r) => r.source === 'model' && r.inFlight);
    assert.equal(waited?.inFlight?.diverged, true);
  });

  it('typing all the model wrote leaves nothing to take: a generation of its own', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    first.cancel();
    const second = ask('const total = n;', 15);
    await settle();
    call.send('n');
    call.end();
    const own = await fake.call(1);
    own.send(' + 1');
    own.end();
    assert.deepEqual(await second.shown, { text: ' + 1', source: 'model' });
  });

  for (const [what, next] of [
    ['another document', () => ask('const total = it;', 16, 'file:///w/other.ts')],
    ['a changed suffix (an auto-closed bracket)', () => ask('const total = (;', 15)],
    ['a deletion (backspace)', () => ask('const total =;', 13)],
    ['an explicit invocation (Alt+\\)', () => ({ shown: service.provide(requestFor('const total = it;', 0, 16), new AbortController().signal) })],
  ] as const) {
    it(`${what} takes the normal path: the generation stops, another starts`, async () => {
      const first = ask('const total = ;', 14);
      const call = await fake.call(0);
      call.send('it');
      first.cancel();
      const second = next();
      const own = await fake.call(1);
      assert.ok(call.aborted, 'the first generation stopped');
      own.send('items');
      own.end();
      assert.deepEqual(await second.shown, { text: 'items', source: 'model' });
      assert.equal(records.filter((r) => r.source === 'in-flight').length, 0);
    });
  }

  it('a single-line request on a multi-line generation (a fresh line, then a key) takes its first line as soon as it has streamed', async () => {
    make({ ...COMPLETION_SETTINGS, multiline: 'auto' });
    const at = (body: string) => requestFor(`function f(a) {\n  ${body}\n}\n`, 1, 2 + body.length, { explicit: false });
    const first = new AbortController();
    const started = service.provide(at(''), first.signal);
    const call = await fake.call(0);
    assert.equal(call.params.stopStrings, undefined, 'the fresh line asks for a block');
    call.send('re');
    first.abort();
    const second = service.provide(at('r'), new AbortController().signal);
    await settle();
    call.send('turn a;\n  }');
    assert.deepEqual(await second, { text: 'eturn a;', source: 'in-flight' });
    assert.ok(call.aborted, 'nobody needs more of it: stopped');
    assert.equal(await started, undefined);
    assert.equal(fake.calls.length, 1);
  });

  it('a multi-line request does not wait on a single-line generation (it stops at its line\'s end)', async () => {
    make({ ...COMPLETION_SETTINGS, multiline: 'auto' });
    const at = (body: string) => requestFor(`function f(a) {\n  ${body}\n}\n`, 1, 2 + body.length, { explicit: false });
    const first = new AbortController();
    void service.provide(at('if (a) '), first.signal);
    const call = await fake.call(0);
    assert.deepEqual(call.params.stopStrings, ['\n'], 'single-line');
    call.send('{');
    first.abort();
    const second = service.provide(at('if (a) {'), new AbortController().signal);
    const own = await fake.call(1);
    assert.equal(own.params.stopStrings, undefined, 'multi-line');
    assert.ok(call.aborted);
    own.send('\n    return 1;\n  }');
    own.end();
    assert.equal((await second)?.source, 'model');
  });

  it('the older caller\'s cancellation does not stop a generation a newer caller waits for; unwanted, it stops after the grace', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('it');
    first.cancel();
    const second = ask('const total = it;', 16);
    await sleep(GRACE_MS + 100);
    assert.equal(call.aborted, false, 'still generating for the newer request');
    call.send('ems');
    call.end();
    assert.deepEqual(await second.shown, { text: 'ems', source: 'in-flight' });

    const third = ask('const total = items + ;', 22);
    const next = await fake.call(1);
    third.cancel(); // and no request follows: nobody wants it
    await sleep(GRACE_MS / 2);
    assert.equal(next.aborted, false, 'kept during the grace');
    await sleep(GRACE_MS);
    assert.equal(next.aborted, true, 'stopped after it');
    assert.equal(await third.shown, undefined);
  });

  it('nothing is shown for a cancelled newer caller; the one after it still takes the rest', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('it');
    first.cancel();
    const second = ask('const total = i;', 15);
    await settle();
    second.cancel();
    assert.equal(await second.shown, undefined, 'returns at once');
    const third = ask('const total = it;', 16);
    await settle();
    call.send('ems');
    call.end();
    assert.deepEqual(await third.shown, { text: 'ems', source: 'in-flight' });
    assert.equal(fake.calls.length, 1);
    assert.deepEqual(records.map((r) => `${r.source} ${r.outcome}`), ['in-flight cancelled', 'model cancelled', 'in-flight shown']);
  });

  it('a newer generation superseding the one waited on leaves its waiter with nothing', async () => {
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    const second = ask('const total = i;', 15); // the first caller is still there: two follow it
    await settle();
    const third = ask('let x = ;', 8); // cannot use it: after its debounce it replaces it
    const own = await fake.call(1);
    assert.ok(call.aborted);
    own.send('1');
    own.end();
    assert.equal(await first.shown, undefined);
    assert.equal(await second.shown, undefined);
    assert.deepEqual(await third.shown, { text: '1', source: 'model' });
  });

  it('with slm inFlightReuse off, a cancelled request stops its generation at once, as before', async () => {
    make({ ...COMPLETION_SETTINGS, inFlightReuse: false });
    const first = ask('const total = ;', 14);
    const call = await fake.call(0);
    call.send('it');
    first.cancel();
    assert.ok(call.aborted);
    const second = ask('const total = it;', 16);
    const own = await fake.call(1);
    own.send('ems');
    own.end();
    assert.deepEqual(await second.shown, { text: 'ems', source: 'model' });
  });
});

describe('InFlight', () => {
  const limits = { maxPrefixLines: 100, maxPrefixChars: 4000, maxSuffixLines: 10, maxSuffixChars: 1000 };
  const windowAt = (text: string, character: number) => {
    const lines = text.split('\n');
    return documentWindow({ lineCount: lines.length, lineText: (l) => lines[l]! }, { line: 0, character }, limits);
  };
  const pending = () => {
    let resolve!: (v: string) => void;
    let onText!: (d: string) => void;
    let signal!: AbortSignal;
    const flight = new InFlight<string>('doc', windowAt('call(a, );\nnext();', 8), false, (s, t) => ((signal = s), (onText = t), new Promise<string>((r) => (resolve = r))), 20);
    return { flight, resolve: (v: string) => resolve(v), send: (d: string) => onText(d), signal: () => signal };
  };

  it('takes a character typed in the middle of a line (the text after the cursor stays the suffix), not an auto-closed bracket', () => {
    const { flight, send } = pending();
    send('b');
    assert.equal(flight.typedSince('doc', windowAt('call(a, b);\nnext();', 9), false), 'b');
    assert.equal(flight.typedSince('doc', windowAt('call(a, ());\nnext();', 9), false), undefined, 'the suffix gained ")"');
    assert.equal(flight.typedSince('doc', windowAt('call(a, c);\nnext();', 9), false), undefined, 'the stream says "b"');
    assert.equal(flight.typedSince('doc', windowAt('call(a, b);\nnext();', 9), true), undefined, 'a multi-line request on a single-line generation');
    assert.equal(flight.typedSince('doc', windowAt('call(a, );\nnext();', 8), false), undefined, 'nothing typed');
  });

  it('stops when its last follower leaves: after the grace when cancelled, at once when diverged; never while one still follows', async () => {
    const { flight, send, signal, resolve } = pending();
    const a = new AbortController();
    const b = new AbortController();
    const followedA = flight.follow('', a.signal);
    const followedB = flight.follow('xy', b.signal);
    a.abort();
    assert.deepEqual(await followedA, { kind: 'cancelled' });
    await sleep(40);
    assert.equal(signal().aborted, false, 'b still follows');
    send('xz');
    assert.deepEqual(await followedB, { kind: 'diverged' });
    assert.equal(signal().aborted, true, 'stopped at once: nobody can use it');
    resolve('done');
    assert.equal(flight.typedSince('doc', windowAt('call(a, x);\nnext();', 9), false), undefined, 'abandoned');
  });

  it('a follower that comes during the grace keeps it going', async () => {
    const { flight, signal, resolve } = pending();
    const a = new AbortController();
    const followedA = flight.follow('', a.signal);
    a.abort();
    await followedA;
    await sleep(5);
    const followedB = flight.follow('x', new AbortController().signal);
    await sleep(40);
    assert.equal(signal().aborted, false);
    resolve('xyz');
    assert.deepEqual(await followedB, { kind: 'done', value: 'xyz' });
  });
});
