import { fimPromptText } from '../../prompt/renderFimText';
import type { FinishReason } from '../../shared/generation';
import type { ChatRequest, GenerationOptions } from '../inferenceBackend';
import { fimParts } from './fimParts';
import { isObject, num, samplingFields, type ServerAdapter, type ServerCall, type StreamPiece } from './serverProtocol';

/**
 * One context size for every request: Ollama reloads a model whose `num_ctx` changes, so completion
 * and chat ask for the same (room for slm.maxPromptTokens' largest useful values and a chat's context).
 */
export const OLLAMA_NUM_CTX = 8192;
/** Kept loaded between keystrokes and over a coffee break (Ollama's default is 5 minutes: ollama#1600). */
export const OLLAMA_KEEP_ALIVE = '30m';

/**
 * Ollama's native API. `/api/generate` with `suffix` when the model's own template has a `.Suffix`
 * slot (the server writes the FIM prompt), else `raw: true` with our template's prompt. Chat goes to
 * `/api/chat` rather than `/v1/chat/completions`, which cannot carry `num_ctx` or `keep_alive`:
 * a chat with a different context size would evict the completion model. Streams NDJSON; durations in ns.
 */
export const OLLAMA: ServerAdapter & { chat(request: ChatRequest, model: string): ServerCall; readChat(event: unknown): StreamPiece } = {
  protocol: 'ollama',
  infill(request, target) {
    if (target.template) return OLLAMA.raw(fimPromptText(target.template, request.input, request.budget, request.fimOrder), request, target.model);
    const parts = fimParts(request.input, request.budget);
    return { path: '/api/generate', format: 'ndjson', body: { ...common(request, target.model), prompt: parts.prefix, suffix: parts.suffix } };
  },
  raw(prompt, request, model) {
    return { path: '/api/generate', format: 'ndjson', body: { ...common(request, model), prompt, raw: true } };
  },
  readInfill(event) {
    return piece(event, isObject(event) && typeof event.response === 'string' ? event.response : '');
  },
  chat(request, model) {
    const messages = [...request.messages, ...(request.prefill ? [{ role: 'assistant', content: request.prefill }] : [])];
    return { path: '/api/chat', format: 'ndjson', body: { model, messages, stream: true, keep_alive: OLLAMA_KEEP_ALIVE, options: options(request) } };
  },
  readChat(event) {
    const message = isObject(event) && isObject(event.message) ? event.message : undefined;
    return piece(event, typeof message?.content === 'string' ? message.content : '');
  },
};

function common(request: GenerationOptions, model: string) {
  return { model, stream: true, keep_alive: OLLAMA_KEEP_ALIVE, options: options(request) };
}

function options(request: GenerationOptions) {
  return { num_ctx: OLLAMA_NUM_CTX, num_predict: request.maxNewTokens, ...samplingFields(request), ...(request.stopStrings?.length ? { stop: request.stopStrings } : {}) };
}

function piece(event: unknown, text: string): StreamPiece {
  if (!isObject(event) || event.done !== true) return { text, done: false };
  const ms = (ns: unknown) => (num(ns) !== undefined ? num(ns)! / 1e6 : undefined);
  return {
    text,
    done: true,
    finish: FINISH[String(event.done_reason)] ?? 'stop-token',
    timings: { promptTokens: num(event.prompt_eval_count), prefillMs: ms(event.prompt_eval_duration), newTokens: num(event.eval_count), decodeMs: ms(event.eval_duration) },
  };
}

const FINISH: Record<string, FinishReason> = { stop: 'stop-token', length: 'max-tokens' };
