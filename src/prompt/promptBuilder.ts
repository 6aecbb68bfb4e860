import { LRUCache } from 'lru-cache';
import type { FimInput, FimPrompt } from './fimPrompt';
import { buildFimLayout, type FimLayoutPart } from './fimLayout';
import type { FimOrder, FimTemplate, Vocabulary } from './fimTemplates';
import { droppedChunks, fitLayout, splitChunks, toLastLineEnd, type Cut, type LayoutMeasure } from './fitLayout';
import type { PromptBudget } from './promptBudget';

/** The tokenizer operations prompt building needs (TextTokenizer in the worker). */
export interface PromptTokenizer extends Vocabulary {
  encodePlain(text: string): number[];
  decode(ids: readonly number[]): string;
}

/** The local engine's prompt: the template's layout encoded to token ids with exact budgets. */
export class PromptBuilder {
  /** Chunk text -> token ids: unchanged chunks are not tokenized again on the next keystroke. */
  private readonly cache = new LRUCache<string, number[]>({ max: 512 });
  private readonly measure: LayoutMeasure<number[]> = {
    whole: (part) => this.encodePart(part),
    size: (ids) => ids.length,
    head: (text, budget) => this.head(text, budget),
    tail: (text, startLine, budget) => this.tail(text, startLine, budget),
  };

  constructor(readonly template: FimTemplate, private readonly tokenizer: PromptTokenizer) {}

  get templateId(): FimTemplate['id'] {
    return this.template.id;
  }

  get stopTokenIds(): number[] {
    return this.template.stopTokens.map((t) => this.tokenizer.tokenId(t)).filter((id): id is number => id !== undefined);
  }

  /** `order` must be one the template has (resolveFimOrder). */
  build(input: FimInput, budget: PromptBudget, order: FimOrder = 'psm'): FimPrompt {
    const parts = fitLayout(buildFimLayout(this.template, input, order), budget, this.measure);
    return { ids: parts.flatMap((p) => p.value ?? []), template: this.template.id, order, parts: parts.map((p) => p.report), stopTokenIds: this.stopTokenIds };
  }

  private encodePart(part: FimLayoutPart): number[] {
    const text = this.encode(part.text);
    return part.control === undefined ? text : [this.control(part.control), ...text];
  }

  private control(token: string): number {
    const id = this.tokenizer.tokenId(token);
    if (id === undefined) throw new Error(`The tokenizer lacks the ${this.template.id} control token ${token}`);
    return id;
  }

  /** Keeps the start of the suffix (nearest the cursor), cut at the last whole line that fits. */
  private head(text: string, budget: number): Cut<number[]> {
    const ids = this.encode(text);
    if (ids.length <= budget) return { value: ids, droppedChars: 0 };
    // A zero budget (slm.maxSuffixTokens 0) keeps nothing; the tokenizer cannot decode [].
    if (budget <= 0) return { value: [], droppedChars: text.length };
    const keptText = toLastLineEnd(this.tokenizer.decode(ids.slice(0, budget)));
    return { value: this.encode(keptText).slice(0, budget), droppedChars: text.length - keptText.length };
  }

  /** Keeps the chunks nearest the cursor that fit; drops whole chunks from the start. */
  private tail(text: string, startLine: number, budget: number): Cut<number[]> {
    const chunks = splitChunks(text, startLine);
    const encoded = chunks.map((c) => this.encodeCached(c));
    const first = droppedChunks(encoded.map((ids) => ids.length), budget);
    let droppedChars = chunks.slice(0, first).reduce((n, c) => n + c.length, 0);
    let ids = encoded.slice(first).flat();
    if (ids.length > budget) {
      // A single chunk longer than the budget (minified code): keep its tail.
      droppedChars += this.tokenizer.decode(ids.slice(0, ids.length - budget)).length;
      ids = ids.slice(ids.length - budget);
    }
    return { value: ids, droppedChars };
  }

  private encode(text: string): number[] {
    return text ? this.tokenizer.encodePlain(text) : [];
  }

  private encodeCached(chunk: string): number[] {
    let ids = this.cache.get(chunk);
    if (!ids) this.cache.set(chunk, (ids = this.encode(chunk)));
    return ids;
  }
}
