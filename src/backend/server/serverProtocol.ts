/**
 * What every protocol adapter turns requests into and answers from: one HTTP call with a streamed
 * answer, and each streamed event as a normalized piece. Adapters are pure (no I/O), so each wire
 * format is tested against its fake byte for byte.
 */
import type { FinishReason } from '../../shared/generation';
import type { FimTemplate } from '../../prompt/fimTemplates';
import type { GenerationOptions, InfillRequest } from '../inferenceBackend';
import type { StreamFormat } from './streamReader';

export type ServerProtocol = 'llama.cpp' | 'ollama' | 'openai';

export interface ServerCall {
  /** Appended to the endpoint's base. */
  path: string;
  body: Record<string, unknown>;
  format: StreamFormat;
}

/** A server's own timings, in tokens and milliseconds (absent: the server does not say). */
export interface ServerTimings {
  /** Every prompt token, cached ones included. */
  promptTokens?: number;
  /** Prompt tokens taken from the server's prompt cache. */
  cachedTokens?: number;
  prefillMs?: number;
  newTokens?: number;
  decodeMs?: number;
}

/** One streamed event, normalized. */
export interface StreamPiece {
  text: string;
  /** This is the last piece. */
  done: boolean;
  finish?: FinishReason;
  timings?: ServerTimings;
}

/** How completions are asked of this server, decided once per connection (connect.ts). */
export interface InfillTarget {
  /** The model name to send ('' where the server has one model, llama-server). */
  model: string;
  /** Our FIM template, for a raw prompt; undefined: the server builds the FIM prompt itself. */
  template?: FimTemplate;
}

export interface ServerAdapter {
  readonly protocol: ServerProtocol;
  infill(request: InfillRequest, target: InfillTarget): ServerCall;
  /** A prompt sent as is, no template applied (FIM prompts of ours, `slm generate`); answers read by readInfill. */
  raw(prompt: string, request: GenerationOptions, model: string): ServerCall;
  readInfill(event: unknown): StreamPiece;
}

/** Greedy unless the request asks for sampling; the local engine's defaults. */
export function samplingFields(request: GenerationOptions): { temperature: number; top_p?: number; top_k?: number; seed?: number } {
  const s = request.sampling ?? {};
  return { temperature: s.temperature ?? 0, ...(s.topP !== undefined ? { top_p: s.topP } : {}), ...(s.topK !== undefined ? { top_k: s.topK } : {}), ...(s.seed !== undefined ? { seed: s.seed } : {}) };
}

/** An `{error}` object in a stream piece, as llama.cpp, Ollama and vLLM send one mid-stream. */
export function streamedError(event: unknown): string | undefined {
  const e = (event as { error?: unknown } | null)?.error;
  if (e === undefined || e === null) return undefined;
  if (typeof e === 'string') return e;
  const message = (e as { message?: unknown }).message;
  return typeof message === 'string' ? message : JSON.stringify(e).slice(0, 200);
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function num(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}
