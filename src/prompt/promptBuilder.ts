import { LRUCache } from 'lru-cache';
import type { FimInput, FimPrompt, PromptPart } from './fimPrompt';
import { PREFIX_CHUNK_LINES, type PromptBudget } from './promptBudget';
import type { FimTemplate, Vocabulary } from './fimTemplates';

/** The tokenizer operations prompt building needs (TextTokenizer in the worker). */
export interface PromptTokenizer extends Vocabulary {
  encodePlain(text: string): number[];
  decode(ids: readonly number[]): string;
}

export class PromptBuilder {
  /** Chunk text -> token ids: unchanged chunks are not tokenized again on the next keystroke. */
  private readonly cache = new LRUCache<string, number[]>({ max: 512 });
  private readonly control: (token: string) => number;

  constructor(private readonly template: FimTemplate, private readonly tokenizer: PromptTokenizer) {
    this.control = (token) => {
      const id = tokenizer.tokenId(token);
      if (id === undefined) throw new Error(`The tokenizer lacks the ${template.id} control token ${token}`);
      return id;
    };
  }

  get templateId(): FimTemplate['id'] {
    return this.template.id;
  }

  get stopTokenIds(): number[] {
    return this.template.stopTokens.map((t) => this.tokenizer.tokenId(t)).filter((id): id is number => id !== undefined);
  }

  build(input: FimInput, budget: PromptBudget): FimPrompt {
    const t = this.template;
    const parts: PromptPart[] = [];
    const head: number[] = [];
    const push = (kind: PromptPart['kind'], ids: number[], droppedChars?: number) => {
      head.push(...ids);
      parts.push({ kind, tokens: ids.length, ...(droppedChars ? { droppedChars } : {}) });
    };

    // Stable parts first: repository header and other files change least.
    const repo = t.repo && (input.filePath || input.snippets?.length) ? t.repo : undefined;
    if (repo?.repoName) push('control', [this.control(repo.repoName), ...this.encode(`${input.repoName ?? 'workspace'}\n`)]);
    if (repo) this.placeSnippets(input.snippets ?? [], budget.maxContextTokens, (s) => [this.control(repo.fileSeparator), ...this.encode(`${s.path}\n${s.text}\n`)], push, parts);
    if (repo && input.filePath) push('path', [this.control(repo.fileSeparator), ...this.encode(`${input.filePath}\n`)]);

    const prefixToken = [this.control(t.prefix), ...(t.afterPrefixToken ? this.encode(t.afterPrefixToken) : [])];
    push('control', prefixToken);
    // Without a repo-level format, snippets open the prefix as comments: `// Path: a.ts` then the lines.
    const comment = input.lineComment;
    if (!repo && comment) {
      this.placeSnippets(input.snippets ?? [], budget.maxContextTokens, (s) => this.encode(`${comment} Path: ${s.path}\n${s.text.split('\n').map((l) => `${comment} ${l}`.trimEnd()).join('\n')}\n`), push, parts);
    }
    const suffixToken = [this.control(t.suffix), ...(t.afterSuffixToken ? this.encode(t.afterSuffixToken) : [])];
    const middleToken = [this.control(t.middle)];

    const suffix = this.fitSuffix(input.suffix, budget.maxSuffixTokens);
    const fixed = head.length + suffixToken.length + middleToken.length + suffix.ids.length;
    const prefix = this.fitPrefix(input.prefix, input.prefixStartLine, Math.max(0, budget.maxPromptTokens - fixed));

    const ids = [...head, ...prefix.ids, ...suffixToken, ...suffix.ids, ...middleToken];
    parts.push(
      { kind: 'prefix', tokens: prefix.ids.length, ...(prefix.droppedChars ? { droppedChars: prefix.droppedChars } : {}) },
      { kind: 'control', tokens: suffixToken.length },
      { kind: 'suffix', tokens: suffix.ids.length, ...(suffix.droppedChars ? { droppedChars: suffix.droppedChars } : {}) },
      { kind: 'control', tokens: middleToken.length },
    );
    return { ids, template: t.id, parts, stopTokenIds: this.stopTokenIds };
  }

  /** Adds each snippet that fits the context budget, in order; one that does not is recorded as dropped. */
  private placeSnippets(
    snippets: NonNullable<FimInput['snippets']>,
    budget: number,
    render: (snippet: NonNullable<FimInput['snippets']>[number]) => number[],
    push: (kind: PromptPart['kind'], ids: number[]) => void,
    parts: PromptPart[],
  ): void {
    let left = budget;
    for (const snippet of snippets) {
      const ids = render(snippet);
      if (ids.length > left) {
        parts.push({ kind: 'context', tokens: 0, droppedChars: snippet.text.length });
        continue;
      }
      left -= ids.length;
      push('context', ids);
    }
  }

  /** Keeps the chunks nearest the cursor that fit; drops whole chunks from the start. */
  private fitPrefix(text: string, startLine: number, budget: number): { ids: number[]; droppedChars: number } {
    const chunks = splitChunks(text, startLine);
    const encoded = chunks.map((c) => this.encodeCached(c));
    let total = encoded.reduce((n, ids) => n + ids.length, 0);
    let first = 0;
    let droppedChars = 0;
    while (total > budget && first < chunks.length - 1) {
      total -= encoded[first].length;
      droppedChars += chunks[first].length;
      first++;
    }
    let ids = encoded.slice(first).flat();
    if (ids.length > budget) {
      // A single chunk longer than the budget (minified code): keep its tail.
      droppedChars += Math.max(0, this.tokenizer.decode(ids.slice(0, ids.length - budget)).length);
      ids = ids.slice(ids.length - budget);
    }
    return { ids, droppedChars };
  }

  /** Keeps the start of the suffix (nearest the cursor), cut at the last whole line that fits. */
  private fitSuffix(text: string, budget: number): { ids: number[]; droppedChars: number } {
    const ids = this.encode(text);
    if (ids.length <= budget) return { ids, droppedChars: 0 };
    const kept = this.tokenizer.decode(ids.slice(0, budget));
    const cut = kept.lastIndexOf('\n');
    const keptText = cut > 0 ? kept.slice(0, cut + 1) : kept;
    const keptIds = this.encode(keptText).slice(0, budget);
    return { ids: keptIds, droppedChars: text.length - keptText.length };
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

/** Splits text that starts at document line `startLine` at every line whose number is a multiple of PREFIX_CHUNK_LINES. */
export function splitChunks(text: string, startLine: number): string[] {
  const chunks: string[] = [];
  let line = startLine;
  let chunkStart = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) {
    line++;
    if (line % PREFIX_CHUNK_LINES === 0) {
      chunks.push(text.slice(chunkStart, i + 1));
      chunkStart = i + 1;
    }
  }
  if (chunkStart < text.length || chunks.length === 0) chunks.push(text.slice(chunkStart));
  return chunks;
}
