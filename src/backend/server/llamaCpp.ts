import { fimPromptText } from '../../prompt/renderFimText';
import type { FinishReason } from '../../shared/generation';
import type { GenerationOptions } from '../inferenceBackend';
import { fimParts } from './fimParts';
import { isObject, num, samplingFields, type ServerAdapter, type StreamPiece } from './serverProtocol';

/**
 * llama.cpp's `llama-server` (tools/server). Without a template of ours it takes `/infill` and
 * writes the model's FIM prompt itself (its tokens are read from the GGUF): prefix, suffix and
 * other files as `input_extra`. With one, `/completion` gets our raw prompt.
 * `cache_prompt` reuses the slot's KV cache for the unchanged start of the prompt (`timings.cache_n`).
 */
export const LLAMA_CPP: ServerAdapter = {
  protocol: 'llama.cpp',
  infill(request, target) {
    if (target.template) return LLAMA_CPP.raw(fimPromptText(target.template, request.input, request.budget, request.fimOrder), request, target.model);
    const parts = fimParts(request.input, request.budget);
    return { path: '/infill', format: 'sse', body: { input_prefix: parts.prefix, input_suffix: parts.suffix, input_extra: parts.extra, prompt: '', ...common(request) } };
  },
  raw(prompt, request) {
    return { path: '/completion', format: 'sse', body: { prompt, ...common(request) } };
  },
  readInfill(event) {
    if (!isObject(event)) return { text: '', done: false };
    const done = event.stop === true;
    const piece: StreamPiece = { text: typeof event.content === 'string' ? event.content : '', done };
    if (done) piece.finish = FINISH[String(event.stop_type)] ?? (event.truncated ? 'max-tokens' : 'stop-token');
    const t = event.timings;
    if (isObject(t)) {
      const prompt = num(t.prompt_n) ?? 0;
      const cached = num(t.cache_n) ?? 0;
      piece.timings = { promptTokens: prompt + cached, cachedTokens: cached, prefillMs: num(t.prompt_ms), newTokens: num(t.predicted_n), decodeMs: num(t.predicted_ms) };
    }
    return piece;
  },
};

function common(request: GenerationOptions) {
  return {
    n_predict: request.maxNewTokens,
    cache_prompt: true,
    stream: true,
    ...samplingFields(request),
    ...(request.stopStrings?.length ? { stop: request.stopStrings } : {}),
    // Takes effect only once a newline was generated (server-context.cpp): the client's timer covers the rest.
    ...(request.timeBudgetMs ? { t_max_predict_ms: request.timeBudgetMs } : {}),
  };
}

/** server-task.cpp `stop_type_to_str`: eos, word (a stop string), limit (n_predict or the time cap). */
const FINISH: Record<string, FinishReason> = { eos: 'stop-token', word: 'stop-string', limit: 'max-tokens' };
