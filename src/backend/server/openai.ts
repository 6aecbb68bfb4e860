import { fimPromptText } from '../../prompt/renderFimText';
import type { FinishReason } from '../../shared/generation';
import type { ChatRequest, GenerationOptions } from '../inferenceBackend';
import { ServerError } from './serverError';
import { isObject, num, samplingFields, type ServerAdapter, type ServerCall, type ServerTimings, type StreamPiece } from './serverProtocol';

/**
 * OpenAI-compatible servers (vLLM, LM Studio, TGI's Messages API, llama-server's /v1). `/v1/completions`
 * gets a raw prompt with the model family's FIM tokens: vLLM rejects `suffix` (vllm#9976) and
 * llama.cpp ignores it. SSE, ended by `data: [DONE]`; the usage chunk (`include_usage`) comes last.
 */
export const OPENAI: ServerAdapter = {
  protocol: 'openai',
  infill(request, target) {
    if (!target.template) throw new ServerError('unsupported', 'an OpenAI-compatible server needs the model\'s FIM format: set slm.server.fimTemplate to the model family.');
    return OPENAI.raw(fimPromptText(target.template, request.input, request.budget, request.fimOrder), request, target.model);
  },
  raw(prompt, request, model) {
    return { path: '/v1/completions', format: 'sse', body: { ...(model ? { model } : {}), prompt, max_tokens: request.maxNewTokens, ...common(request) } };
  },
  readInfill(event) {
    const choice = firstChoice(event);
    return read(event, typeof choice?.text === 'string' ? choice.text : '', choice);
  },
};

/** Chat for explain and refactor: `/v1/chat/completions`, the one chat API llama.cpp, vLLM, LM Studio and TGI share. */
export function chatCall(request: ChatRequest, model: string): ServerCall {
  const messages: { role: string; content: string }[] = [...request.messages];
  // A written start of the answer (a code fence) is the last, unfinished assistant turn: llama.cpp
  // continues it by itself, vLLM when told `continue_final_message`.
  const prefill = request.prefill ? { continue_final_message: true, add_generation_prompt: false } : {};
  if (request.prefill) messages.push({ role: 'assistant', content: request.prefill });
  return { path: '/v1/chat/completions', format: 'sse', body: { ...(model ? { model } : {}), messages, max_tokens: request.maxNewTokens, ...common(request), ...prefill } };
}

export function readChat(event: unknown): StreamPiece {
  const choice = firstChoice(event);
  const delta = isObject(choice?.delta) ? choice.delta : undefined;
  return read(event, typeof delta?.content === 'string' ? delta.content : '', choice);
}

function common(request: GenerationOptions) {
  // OpenAI's API takes at most 4 stop strings.
  return { stream: true, stream_options: { include_usage: true }, ...samplingFields(request), ...(request.stopStrings?.length ? { stop: request.stopStrings.slice(0, 4) } : {}) };
}

function firstChoice(event: unknown): Record<string, unknown> | undefined {
  const choices = isObject(event) && Array.isArray(event.choices) ? event.choices : [];
  return isObject(choices[0]) ? choices[0] : undefined;
}

/** The end comes with `[DONE]` (or the stream's end); a finish reason or usage may arrive before it. */
function read(event: unknown, text: string, choice: Record<string, unknown> | undefined): StreamPiece {
  const piece: StreamPiece = { text, done: false };
  const reason = choice?.finish_reason;
  if (typeof reason === 'string') piece.finish = FINISH[reason] ?? 'stop-token';
  const timings = usage(event);
  if (timings) piece.timings = timings;
  return piece;
}

/** `usage` (OpenAI: tokens only, cached ones in prompt_tokens_details), or llama.cpp's `timings` on its /v1 answers. */
function usage(event: unknown): ServerTimings | undefined {
  if (!isObject(event)) return undefined;
  const t = event.timings;
  if (isObject(t)) {
    const cached = num(t.cache_n) ?? 0;
    return { promptTokens: (num(t.prompt_n) ?? 0) + cached, cachedTokens: cached, prefillMs: num(t.prompt_ms), newTokens: num(t.predicted_n), decodeMs: num(t.predicted_ms) };
  }
  const u = event.usage;
  if (!isObject(u)) return undefined;
  const details = isObject(u.prompt_tokens_details) ? u.prompt_tokens_details : {};
  return { promptTokens: num(u.prompt_tokens), cachedTokens: num(details.cached_tokens), newTokens: num(u.completion_tokens) };
}

const FINISH: Record<string, FinishReason> = { stop: 'stop-token', length: 'max-tokens' };
