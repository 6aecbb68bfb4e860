import * as assert from 'node:assert/strict';
import { formatRecord } from '../../src/completion/requestLog';

describe('formatRecord', () => {
  it('writes one line with the timings of a model request', () => {
    const line = formatRecord({
      source: 'model', outcome: 'shown', debounceMs: 37, windowMs: 0.31, chars: 41,
      result: {
        text: 'x', finishReason: 'stop-token',
        figures: { totalMs: 358, promptTokens: 812, reusedPromptTokens: 790, newTokens: 16, tokensPerSecond: 48.4, promptMs: 2.1, prefillMs: 45.2, decodeMs: 310, contextTokens: 0 },
      },
    });
    assert.equal(line, 'request model shown: debounce 37 ms, window 0.3 ms, prompt 2.1 ms, 812 tok (790 reused), prefill 45 ms, decode 16 tok in 310 ms (48 tok/s), finish stop-token, 41 chars');
  });

  it('says when generation stopped on the stream, where the backend reports a cancellation', () => {
    const line = formatRecord({
      source: 'model', outcome: 'shown', debounceMs: 0, windowMs: 0, chars: 30, decidedAtChars: 52,
      result: { text: 'x', finishReason: 'cancelled', figures: { totalMs: 2, promptTokens: 10, reusedPromptTokens: 0, newTokens: 14, tokensPerSecond: 1 } },
    });
    assert.match(line, /decode 14 tok \(1 tok\/s\), finish decided at 52 chars, 30 chars$/);
  });

  it('says how many reused tokens were moved (slm.suffixReuse "shifted")', () => {
    const line = formatRecord({
      source: 'model', outcome: 'shown', debounceMs: 0, windowMs: 0, chars: 3,
      result: { text: 'abc', finishReason: 'max-tokens', figures: { totalMs: 2, promptTokens: 812, reusedPromptTokens: 810, movedPromptTokens: 121, newTokens: 2, tokensPerSecond: 1 } },
    });
    assert.match(line, /prompt 812 tok \(810 reused, 121 of them moved\)/);
  });

  it('reports draft acceptance when speculation ran', () => {
    const line = formatRecord({
      source: 'model', outcome: 'shown', debounceMs: 0, windowMs: 0, chars: 3,
      result: {
        text: 'abc', finishReason: 'max-tokens',
        figures: { totalMs: 2, promptTokens: 10, reusedPromptTokens: 0, newTokens: 2, tokensPerSecond: 1, promptMs: 0, prefillMs: 1, decodeMs: 1, speculation: { drafted: 16, accepted: 12 } },
      },
    });
    assert.match(line, /drafts 12\/16 accepted/);
  });

  it('reports the context snippets, their prompt tokens and what was dropped', () => {
    const line = formatRecord({
      source: 'model', outcome: 'shown', debounceMs: 0, windowMs: 0, chars: 3,
      context: { snippets: 2, paths: ['lib/tax.ts', 'main.ts'], ms: 4.24, dropped: ['recent: took 30 ms'] },
      result: {
        text: 'abc', finishReason: 'max-tokens',
        figures: { totalMs: 2, promptTokens: 10, reusedPromptTokens: 0, newTokens: 1, tokensPerSecond: 1, promptMs: 0, prefillMs: 1, decodeMs: 1, contextTokens: 52 },
      },
    });
    assert.match(line, /context 2 snippets \(52 tok\) from lib\/tax\.ts main\.ts in 4\.2 ms \[dropped recent: took 30 ms\]/);
  });

  it('says when the answer came from the typed-ahead suggestion', () => {
    assert.match(formatRecord({ source: 'typed-ahead', outcome: 'shown', debounceMs: 0, windowMs: 0.1, chars: 5 }), /^request typed-ahead shown/);
  });

  it('says when the answer was the rest of the generation in flight, and when that generation diverged from what was typed', () => {
    const line = formatRecord({
      source: 'in-flight', outcome: 'shown', debounceMs: 0, windowMs: 0.1, chars: 9, inFlight: { typedChars: 2, waitedMs: 312.4, diverged: false },
      result: { text: 'items.length', finishReason: 'stop-string', figures: { totalMs: 2, promptTokens: 10, reusedPromptTokens: 0, newTokens: 4, tokensPerSecond: 1 } },
    });
    assert.match(line, /^request in-flight shown: debounce 0\.0 ms, window 0\.1 ms, in flight: waited 312 ms for 2 typed chars, prompt 10 tok/);
    assert.match(formatRecord({ source: 'model', outcome: 'shown', debounceMs: 75, windowMs: 0.1, chars: 3, inFlight: { typedChars: 1, waitedMs: 40, diverged: true } }), /in flight: waited 40 ms for 1 typed chars, diverged/);
  });
});
