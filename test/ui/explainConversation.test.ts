import * as assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { describeFigures, ExplainConversation, type ExplainSubject } from '../../src/ui/explainConversation';
import type { ToWebview } from '../../src/ui/explainProtocol';
import { renderMarkdown } from '../../src/ui/markdownView';

const SUBJECT: ExplainSubject = { path: 'src/parse.ts', startLine: 12, endLine: 40, languageId: 'typescript', code: 'function parse() {}' };

function conversation(minIntervalMs = 40): { c: ExplainConversation; posted: ToWebview[] } {
  const posted: ToWebview[] = [];
  return { c: new ExplainConversation((m) => posted.push(m), minIntervalMs), posted };
}

const answers = (posted: ToWebview[]) => posted.filter((m) => m.type === 'answer');

describe('ExplainConversation', () => {
  // The render interval follows the measured render time: a first, cold render (markdown-it and
  // highlight.js warming up, tens of ms) would stretch it past what the timing test below streams.
  before(() => renderMarkdown('warm *up* `code`', { defaultLanguage: 'typescript', streaming: true }));

  it('begins with the subject as a header and no turns', () => {
    const { c, posted } = conversation();
    c.begin(SUBJECT);
    assert.equal(posted.length, 1);
    const reset = posted[0];
    assert.ok(reset.type === 'reset');
    assert.equal(reset.subject?.path, 'src/parse.ts');
    assert.equal(reset.subject?.lines, 'lines 12–40');
    assert.match(reset.subject?.codeHtml ?? '', /hljs-keyword">function</);
    assert.deepEqual(reset.turns, []);
    c.begin({ ...SUBJECT, startLine: 7, endLine: 7 });
    assert.ok(posted[1].type === 'reset' && posted[1].subject?.lines === 'line 7');
  });

  it('renders the streaming answer at most once per interval, and the whole text at the end', async () => {
    const { c, posted } = conversation(40);
    c.begin(SUBJECT);
    c.startAnswer();
    assert.ok(c.answering);
    const started = performance.now();
    const words = Array.from({ length: 60 }, (_, i) => `word${i} `);
    for (const w of words) {
      c.append(w);
      await sleep(5);
    }
    const elapsed = performance.now() - started;
    const streamed = answers(posted).length;
    // 60 deltas over ~300+ ms: about one render per 40 ms, far fewer than one per delta
    assert.ok(streamed >= 2, `${streamed} renders`);
    assert.ok(streamed <= Math.ceil(elapsed / 40) + 1, `${streamed} renders in ${elapsed.toFixed(0)} ms`);
    c.finish({ timeToFirstTokenMs: 310, tokensPerSecond: 24.2, newTokens: 60, totalMs: 2810 }, false);
    const last = answers(posted).at(-1);
    assert.ok(last?.type === 'answer');
    assert.equal(last.html, `<p>${words.join('').trim()}</p>\n`);
    assert.deepEqual(posted.at(-1), { type: 'end', state: 'done', figures: 'time to first token 310 ms · 24 tok/s · 60 tokens in 2.8 s', error: undefined });
    assert.equal(c.answering, false);
    assert.equal(c.markdownOf(0), words.join(''));
  });

  it('coalesces deltas of one tick into one render, posted asynchronously', async () => {
    const { c, posted } = conversation(40);
    c.startAnswer();
    c.append('a');
    c.append('b');
    c.append('c');
    assert.equal(answers(posted).length, 0, 'not rendered synchronously');
    await sleep(5);
    assert.deepEqual(answers(posted), [{ type: 'answer', html: '<p>abc</p>\n' }]);
    c.dispose();
  });

  it('shows a stopped answer as stopped, its partial code block closed', () => {
    const { c, posted } = conversation();
    c.begin(SUBJECT);
    c.startAnswer();
    c.append('It does:\n```ts\nconst x');
    c.finish({ timeToFirstTokenMs: 900, tokensPerSecond: 4.25, newTokens: 9, totalMs: 3000 }, true);
    const end = posted.at(-1);
    assert.deepEqual(end, { type: 'end', state: 'stopped', figures: 'stopped · time to first token 900 ms · 4.3 tok/s · 9 tokens in 3.0 s', error: undefined });
    const final = answers(posted).at(-1);
    assert.ok(final?.type === 'answer');
    assert.match(final.html, /<code class="hljs language-ts"><span class="hljs-keyword">const<\/span> x<\/code><\/pre><\/div>\n$/);
  });

  it('shows a failure in its turn, with or without an answer started', () => {
    const { c, posted } = conversation();
    c.begin(SUBJECT);
    c.startAnswer();
    c.append('Partial');
    c.fail('The model stopped responding');
    assert.deepEqual(posted.at(-1), { type: 'end', state: 'failed', figures: '', error: 'The model stopped responding' });
    assert.equal(c.answering, false);
    // a failure before any answer (the model did not load) gets a turn of its own
    c.begin(SUBJECT);
    c.fail('No model');
    const types = posted.slice(-4).map((m) => m.type);
    assert.deepEqual(types, ['reset', 'turn', 'answer', 'end']);
    const snapshot = c.snapshot();
    assert.ok(snapshot.type === 'reset');
    assert.deepEqual(snapshot.turns, [{ question: undefined, html: '', state: 'failed', figures: '', error: 'No model' }]);
  });

  it('keeps every turn for a reloaded webview, the streaming one rendered up to now', () => {
    const { c } = conversation(10_000);
    c.begin(SUBJECT);
    c.startAnswer();
    c.append('First **answer**');
    c.finish({ tokensPerSecond: 20, newTokens: 3, totalMs: 150, timeToFirstTokenMs: 50 }, false);
    c.startAnswer('And <this>?');
    c.append('Second');
    const snapshot = c.snapshot();
    assert.ok(snapshot.type === 'reset');
    assert.equal(snapshot.subject?.path, 'src/parse.ts');
    assert.deepEqual(
      snapshot.turns.map((t) => [t.question, t.html, t.state]),
      [
        [undefined, '<p>First <strong>answer</strong></p>\n', 'done'],
        ['And <this>?', '<p>Second</p>\n', 'streaming'],
      ],
    );
    assert.equal(c.markdownOf(1), 'Second');
    assert.equal(c.markdownOf(2), undefined);
    c.dispose();
  });

  it('ignores text and figures when no answer streams; a new answer ends one still streaming', () => {
    const { c, posted } = conversation();
    c.append('stray');
    c.finish({ tokensPerSecond: 1, newTokens: 1, totalMs: 1 }, false);
    assert.equal(posted.length, 0);
    c.startAnswer();
    const first = c.answerSerial;
    c.startAnswer('next');
    assert.equal(c.answerSerial, first + 1);
    assert.deepEqual(
      posted.map((m) => m.type),
      ['turn', 'answer', 'end', 'turn'],
    );
    assert.ok(posted[2].type === 'end' && posted[2].state === 'stopped');
  });

  it('describes figures', () => {
    assert.equal(describeFigures({ timeToFirstTokenMs: 310.4, tokensPerSecond: 24.4, newTokens: 1, totalMs: 400 }, false), 'time to first token 310 ms · 24 tok/s · 1 token in 0.4 s');
    assert.equal(describeFigures({ tokensPerSecond: 0, newTokens: 0, totalMs: 120 }, true), 'stopped · no tokens');
  });
});
