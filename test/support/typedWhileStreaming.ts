import * as assert from 'node:assert/strict';
import type { InferenceBackend } from '../../src/backend/inferenceBackend';
import { CompletionService, type RequestRecord } from '../../src/completion/completionService';
import { COMPLETION_SETTINGS, requestFor } from './completionRequests';

/**
 * Through CompletionService over a real backend: a completion starts at `    return ` in a Python
 * function; when its first text streams, the user types that text's first character (VS Code
 * cancels the request and asks again). Checks that the one generation served both: one backend
 * request, the started request recorded cancelled with the generation's finished figures, and the
 * newer one shown the rest of that text, finished at its own position.
 */
export async function typeFirstStreamedCharacter(backend: Pick<InferenceBackend, 'infill'>): Promise<void> {
  const settings = { ...COMPLETION_SETTINGS, maxNewTokens: 16, maxContextTokens: 0, syntaxCheck: false };
  const records: RequestRecord[] = [];
  let requests = 0;
  const at = (typed: string) => ({ ...requestFor(`def add(a, b):\n    return ${typed}\n`, 1, 11 + typed.length, { explicit: false, documentId: 'file:///w/add.py' }), languageId: 'python' });
  const first = new AbortController();
  let second: Promise<unknown> | undefined;
  let typed = '';
  const service = new CompletionService({
    infill: (params, options = {}) => {
      requests++;
      return backend.infill(params, {
        ...options,
        onText: (delta) => {
          options.onText?.(delta);
          if (second || !delta) return;
          typed = delta[0]!;
          first.abort();
          second = service.provide(at(typed), new AbortController().signal);
        },
      });
    },
  }, () => settings, { onRecord: (r) => records.push(r) });
  assert.equal(await service.provide(at(''), first.signal), undefined);
  for (let i = 0; i < 600 && records.length < 2; i++) await new Promise((r) => setTimeout(r, 50));
  const shown = await second;
  const started = records.find((r) => r.source === 'model');
  const rest = records.find((r) => r.source === 'in-flight');
  assert.equal(requests, 1, 'one backend request for both keystrokes');
  assert.equal(started?.outcome, 'cancelled', 'its caller left');
  assert.notEqual(started.result?.finishReason, 'cancelled', 'the generation ran on after its caller left');
  assert.ok(rest && rest.inFlight?.typedChars === 1 && !rest.inFlight.diverged, JSON.stringify(rest));
  const whole = started.result!;
  const expected = service.finish(whole.text.slice(typed.length), service.plan(at(typed)), settings, whole.finishReason);
  assert.equal(rest.chars, expected.length);
  assert.deepEqual(shown, expected ? { text: expected, source: 'in-flight' } : undefined);
}
