import type { RequestRecord } from './completionService';

const ms = (v: number) => `${v < 10 ? v.toFixed(1) : Math.round(v)} ms`;

/**
 * One log line per request, e.g.
 * `request model shown: debounce 37 ms, window 0.3 ms, context 3 snippets (240 tok) from lib/tax.ts main.ts in 4.2 ms, prompt 2.1 ms, 812 tok (790 reused), prefill 45 ms, decode 16 tok in 310 ms (52 tok/s), 41 chars`
 * Lines for requests that reached the model start with `request model`; cache and typed-ahead hits say so, and
 * a request served by the generation in flight for what was typed meanwhile says `request in-flight` and
 * `in flight: waited 312 ms for 2 typed chars` (`..., diverged` when the model wrote otherwise and the
 * request went on to a generation of its own).
 */
export function formatRecord(r: RequestRecord): string {
  const parts = [`debounce ${ms(r.debounceMs)}`, `window ${ms(r.windowMs)}`];
  if (r.inFlight) parts.push(`in flight: waited ${ms(r.inFlight.waitedMs)} for ${r.inFlight.typedChars} typed chars${r.inFlight.diverged ? ', diverged' : ''}`);
  const result = r.result;
  if (r.context) {
    const tokens = result?.figures.contextTokens;
    const from = r.context.paths.length ? ` from ${r.context.paths.join(' ')}` : '';
    parts.push(`context ${r.context.snippets} snippets${tokens !== undefined ? ` (${tokens} tok)` : ''}${from} in ${ms(r.context.ms)}` + (r.context.dropped.length ? ` [dropped ${r.context.dropped.join('; ')}]` : ''));
  }
  if (result) {
    const f = result.figures;
    const reused = `${f.reusedPromptTokens} reused${f.movedPromptTokens ? `, ${f.movedPromptTokens} of them moved` : ''}`;
    parts.push(f.promptMs !== undefined ? `prompt ${ms(f.promptMs)}, ${f.promptTokens} tok (${reused})` : `prompt ${f.promptTokens} tok (${reused})`);
    if (f.prefillMs !== undefined) parts.push(`prefill ${ms(f.prefillMs)}`);
    parts.push(`decode ${f.newTokens} tok${f.decodeMs !== undefined ? ` in ${ms(f.decodeMs)}` : ''} (${f.tokensPerSecond.toFixed(0)} tok/s)`);
    // Stopped on the stream, the backend reports a cancellation: the completion was decided instead.
    parts.push(r.decidedAtChars !== undefined ? `finish decided at ${r.decidedAtChars} chars` : `finish ${result.finishReason}`);
    const spec = f.speculation;
    if (spec?.drafted) parts.push(`drafts ${spec.accepted}/${spec.drafted} accepted`);
    if (spec?.off) parts.push(`speculation off: ${spec.off}`);
  }
  if (r.error) parts.push(`error: ${r.error}`);
  parts.push(`${r.chars} chars`);
  return `request ${r.source} ${r.outcome}: ${parts.join(', ')}`;
}
