import type { FimInput, PromptPart } from './fimPrompt';
import { buildFimLayout, type FimLayout } from './fimLayout';
import { resolveFimOrder, type FimOrderSetting, type FimTemplate } from './fimTemplates';
import { droppedChunks, fitLayout, splitChunks, toLastLineEnd, type Cut, type LayoutMeasure } from './fitLayout';
import { CHARS_PER_TOKEN, estimateTokens, type PromptBudget } from './promptBudget';

/** A FIM prompt for an inference server that takes raw text (llama.cpp server, Ollama with `raw`, vLLM). */
export interface FimText {
  text: string;
  /**
   * The parts as PromptBuilder reports them, sized in ESTIMATED tokens: ceil(characters /
   * CHARS_PER_TOKEN) of each part's text, plus 1 for its control token. `droppedChars` is in characters.
   */
  parts: PromptPart[];
}

/**
 * The layout as one string, control tokens spelled out as their vocabulary text (CodeLlama's
 * `▁<PRE>` keeps its ▁, SentencePiece's mark for a space; not yet tried against a server). No
 * tokenizer runs here, so budgets hold only approximately; the chunk and line rules are the worker's.
 *
 * User text is left as is: code that spells a control token (`"<|fim_middle|>"` in a tokenizer
 * test) is, in this string, indistinguishable from the real one. Whether it is read as a control
 * token is up to the server (llama.cpp parses special tokens in a string prompt): a backend that
 * must rule it out sends token ids instead, as the local engine does.
 */
export function renderFimText(layout: FimLayout, budget: PromptBudget): FimText {
  const parts = fitLayout(layout, budget, ESTIMATED);
  return { text: parts.map((p) => p.value?.text ?? '').join(''), parts: parts.map((p) => p.report) };
}

/**
 * The raw prompt a server's completion endpoint gets, in the order slm.fimOrder asks for where the
 * family has it: the server's prompt cache (llama.cpp's `cache_prompt`) then keeps the suffix too.
 */
export function fimPromptText(template: FimTemplate, input: FimInput, budget: PromptBudget, order?: FimOrderSetting): string {
  return renderFimText(buildFimLayout(template, input, resolveFimOrder(template, order)), budget).text;
}

interface SizedText {
  text: string;
  tokens: number;
}

const ESTIMATED: LayoutMeasure<SizedText> = {
  whole: (part) => ({ text: (part.control ?? '') + part.text, tokens: (part.control ? 1 : 0) + estimateTokens(part.text) }),
  size: (value) => value.tokens,
  head(text, budget): Cut<SizedText> {
    if (estimateTokens(text) <= budget) return { value: sized(text), droppedChars: 0 };
    const kept = toLastLineEnd(text.slice(0, wholeChar(text, budget * CHARS_PER_TOKEN, -1)));
    return { value: sized(kept), droppedChars: text.length - kept.length };
  },
  tail(text, startLine, budget): Cut<SizedText> {
    const chunks = splitChunks(text, startLine);
    let kept = chunks.slice(droppedChunks(chunks.map(estimateTokens), budget)).join('');
    // A single chunk longer than the budget (minified code): keep its tail.
    if (estimateTokens(kept) > budget) kept = kept.slice(wholeChar(kept, kept.length - budget * CHARS_PER_TOKEN, 1));
    return { value: sized(kept), droppedChars: text.length - kept.length };
  },
};

function sized(text: string): SizedText {
  return { text, tokens: estimateTokens(text) };
}

/** A cut at `at` moved by `step` off the middle of a surrogate pair, inside the budget: UTF-8 cannot carry half a character. */
function wholeChar(text: string, at: number, step: -1 | 1): number {
  const low = text.charCodeAt(at);
  const high = text.charCodeAt(at - 1);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? at + step : at;
}

/** Each part's text once the budget is applied (undefined: left out), for a server that takes the parts apart (llama.cpp's /infill). */
export function fitFimText(layout: FimLayout, budget: PromptBudget): (string | undefined)[] {
  return fitLayout(layout, budget, ESTIMATED).map((p) => p.value?.text);
}
