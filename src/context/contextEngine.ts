import { DefinitionIndex } from './definitionIndex';
import { enclosingScopes } from './enclosingScopes';
import { countNewlines } from './identifiers';
import { grammarFor } from '../languages/languages';
import { openDefinitions } from './openDefinitions';
import type { OpenDocument, OpenDocuments } from './openDocuments';
import { loadGrammar, type DocumentTrees } from '../treeSitter/parser';
import { loadQuery, QUERY_KINDS } from '../treeSitter/queries';
import type { RecentSnippets } from './recentSnippets';
import { CHARS_PER_TOKEN } from '../prompt/promptBudget';
import type { ContextSnippet, ContextSource } from './snippet';
import { workspaceDefinitions } from './workspaceDefinitions';
import type { WorkspaceIndex } from './workspaceIndex';

export interface ContextRequest {
  uri: string;
  /** Path label of the current file. */
  path: string;
  languageId: string;
  /** The document's full current text. */
  text: string;
  /** Cursor as a UTF-16 offset into `text`. */
  cursorOffset: number;
  /** First line of the prompt's prefix window (DocumentWindow.prefixStartLine). */
  prefixStartLine: number;
  /** The prompt's context budget (settings' maxContextTokens); 0 gives no context. */
  maxContextTokens: number;
}

export interface ContextResult {
  /** In prompt order: what changes least first (see SOURCE_ORDER). */
  snippets: ContextSnippet[];
  /** Sources left out for time, and snippets left out for budget. */
  dropped: { source: ContextSource; reason: string }[];
  /** Milliseconds each source ran. */
  timings: Partial<Record<ContextSource, number>>;
}

/** Snippets from elsewhere in the workspace for a prompt (workspaceContext.ts builds them from the editor's documents). */
export interface ContextBuilder {
  build(request: ContextRequest): Promise<ContextResult>;
}

/** Imported symbols' definitions (importDefinitions.ts), behind an interface so the engine can run without it. */
export interface ImportsSource {
  snippets(request: ContextRequest, documents: OpenDocument[], deadline: number): Promise<ContextSnippet[]>;
}

export interface ContextEngineDeps {
  trees: DocumentTrees;
  documents: OpenDocuments;
  recent: RecentSnippets;
  imports?: ImportsSource;
  /** Definitions of files that are not open, found by name (workspaceIndex.ts). */
  workspace?: WorkspaceIndex;
  log?: (message: string) => void;
}

/**
 * Each source's time budget in ms. A source that runs over is dropped, not waited for; the
 * synchronous ones check their deadline between documents, so they overrun by at most one
 * document's indexing (bounded by the parse time limit) and their cached work serves the next call.
 * `scopes` includes the current document's incremental reparse (p95 ~4 ms on 5,000 lines, busy 2-core machine).
 */
export const DEFAULT_BUDGETS_MS: Record<ContextSource, number> = { scopes: 15, imports: 20, definitions: 15, workspace: 20, recent: 10 };

/**
 * Prompt order, for the worker's KV cache: a snippet that changes invalidates everything after it.
 * Imports change only when the import list does; definitions (open documents', then the
 * workspace's) when the identifiers near the cursor do; enclosing scopes when the cursor leaves a
 * function; recent snippets with every new line.
 */
const SOURCE_ORDER: ContextSource[] = ['imports', 'definitions', 'workspace', 'scopes', 'recent'];
/**
 * Which snippets get the budget first: the enclosing signatures are small and always relevant;
 * the workspace's definitions are found by name alone, so they come after what imports and open
 * documents give.
 */
const BUDGET_PRIORITY: ContextSource[] = ['scopes', 'imports', 'definitions', 'workspace', 'recent'];

/**
 * Snippets precede the prefix in the prompt, so each change of them costs the worker a prefill of
 * everything after them (~1,000 tokens: seconds on a laptop CPU). So a new result replaces the
 * last one only when it brings a definition the last lacked (the user typed a new name), the
 * cursor left the last one's 16-line block, or the last is older than REUSE_MS; otherwise the
 * prompt keeps the last snippets, and the worker its cache.
 */
const REUSE_BLOCK_LINES = 16;
const REUSE_MS = 30_000;

/**
 * Composes the context sources into the snippets of one prompt within a character budget of
 * maxContextTokens x 4. Editor-agnostic: the caller adapts VS Code's documents to OpenDocuments
 * and forwards open/change/close events to `trees` and `recent`.
 */
export class ContextEngine {
  private readonly definitions: DefinitionIndex;
  private readonly budgets: Record<ContextSource, number>;
  private readonly log: (message: string) => void;
  private readonly warnedLanguages = new Set<string>();
  private last: { key: string; at: number; result: ContextResult } | undefined;
  private readonly reuseMs: number;

  constructor(
    private readonly deps: ContextEngineDeps,
    budgetsMs: Partial<Record<ContextSource, number>> = {},
    /** How long a result is reused while the cursor stays on its line; 0 never (benchmarks). */
    options: { reuseMs?: number } = {},
  ) {
    this.definitions = new DefinitionIndex(deps.trees);
    this.budgets = { ...DEFAULT_BUDGETS_MS, ...budgetsMs };
    this.reuseMs = options.reuseMs ?? REUSE_MS;
    this.log = deps.log ?? (() => {});
  }

  /** Loads a language's grammar and queries (call when a document of it opens; ~10-100 ms once). */
  async prepare(languageId: string): Promise<boolean> {
    const grammar = grammarFor(languageId);
    if (!grammar) return false;
    await loadGrammar(grammar);
    await Promise.all(QUERY_KINDS.map((kind) => loadQuery(grammar, kind)));
    return true;
  }

  async build(request: ContextRequest): Promise<ContextResult> {
    const maxChars = request.maxContextTokens * CHARS_PER_TOKEN;
    if (maxChars <= 0) return { snippets: [], dropped: [], timings: {} };
    const cursorLine = countNewlines(request.text, 0, request.cursorOffset);
    const key = `${request.uri}\n${Math.floor(cursorLine / REUSE_BLOCK_LINES)}\n${request.prefixStartLine}\n${maxChars}`;

    const grammar = grammarFor(request.languageId);
    if (!grammar && !this.warnedLanguages.has(request.languageId)) {
      this.warnedLanguages.add(request.languageId);
      this.log(`context: no grammar for '${request.languageId}': recent snippets only (line-based)`);
    }
    const documents = this.deps.documents.list();
    const dropped: ContextResult['dropped'] = [];
    const timings: ContextResult['timings'] = {};
    const found: ContextSnippet[] = [];

    /** Runs a synchronous source; its result is dropped if it ran over its budget. */
    const run = (source: ContextSource, body: (deadline: number) => { snippets: ContextSnippet[]; incomplete: boolean } | ContextSnippet[] | undefined) => {
      const started = performance.now();
      const budget = this.budgets[source];
      try {
        const out = body(started + budget);
        const elapsed = performance.now() - started;
        timings[source] = elapsed;
        const result = Array.isArray(out) || out === undefined ? { snippets: out ?? [], incomplete: false } : out;
        if (elapsed > budget * 1.5 + 1) dropped.push({ source, reason: `took ${elapsed.toFixed(1)} ms, over its ${budget} ms budget` });
        else {
          if (result.incomplete) dropped.push({ source, reason: `partial: stopped at its ${budget} ms budget` });
          found.push(...result.snippets);
        }
      } catch (err) {
        timings[source] = performance.now() - started;
        dropped.push({ source, reason: `failed: ${(err as Error).message}` });
      }
    };

    // The async sources start first and run while the synchronous ones do.
    const imports = this.deps.imports && grammar ? this.runAsync('imports', (deadline) => this.deps.imports!.snippets(request, documents, deadline)) : undefined;
    const workspace = this.deps.workspace && grammar ? this.runAsync('workspace', () => workspaceDefinitions(request, documents, this.deps.workspace!)) : undefined;

    run('scopes', () => {
      const tree = grammar && this.deps.trees.tree(request.uri, request.text, request.languageId);
      const snippet = tree && enclosingScopes({ tree, grammar, text: request.text, cursorOffset: request.cursorOffset, prefixStartLine: request.prefixStartLine, path: request.path });
      return snippet ? [snippet] : [];
    });
    run('definitions', (deadline) => openDefinitions(request, documents, this.definitions, deadline));
    run('recent', (deadline) => this.deps.recent.snippets(request, documents, deadline));
    for (const [source, pending] of [['imports', imports], ['workspace', workspace]] as const) {
      if (!pending) continue;
      const out = await pending;
      timings[source] = out.ms;
      if (out.dropped) dropped.push({ source, reason: out.dropped });
      else found.push(...out.snippets);
    }

    const result = { snippets: fit(found, maxChars, dropped), dropped, timings };
    const last = this.last;
    if (last?.key === key && performance.now() - last.at < this.reuseMs && (!bringsDefinitions(result.snippets, last.result.snippets) || lostSource(result.snippets, last.result.snippets))) {
      return last.result;
    }
    this.last = { key, at: performance.now(), result };
    return result;
  }

  /** Forget a closed document. */
  close(uri: string): void {
    this.definitions.forget(uri);
  }

  /** Runs an async source against its budget: past it, the result is dropped and not waited for. */
  private async runAsync(source: ContextSource, body: (deadline: number) => Promise<ContextSnippet[]>): Promise<{ snippets: ContextSnippet[]; ms: number; dropped?: string }> {
    const started = performance.now();
    const budget = this.budgets[source];
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), budget)));
    try {
      const out = await Promise.race([body(started + budget), timeout]);
      const ms = performance.now() - started;
      if (out === 'timeout') return { snippets: [], ms, dropped: `no answer within its ${budget} ms budget` };
      return { snippets: out, ms };
    } catch (err) {
      return { snippets: [], ms: performance.now() - started, dropped: `failed: ${(err as Error).message}` };
    } finally {
      clearTimeout(timer);
    }
  }
}

/**
 * Chooses snippets within `maxChars`: by source priority, then score, skipping lines already
 * chosen from another source; then orders them for the
 * prompt by source (SOURCE_ORDER), path and line, so that the same snippets always come in the same order.
 */
export function fit(snippets: ContextSnippet[], maxChars: number, dropped: ContextResult['dropped']): ContextSnippet[] {
  const candidates = [...snippets].sort((a, b) => BUDGET_PRIORITY.indexOf(a.source) - BUDGET_PRIORITY.indexOf(b.source) || b.score - a.score);
  const chosen: ContextSnippet[] = [];
  const left = new Map<ContextSource, { count: number; tokens: number }>();
  let used = 0;
  for (const snippet of candidates) {
    // The same lines found by two sources (a recent window around a definition) are given once.
    if (coveredShare(snippet, chosen) >= 0.5) continue;
    // Each snippet also costs its path label and separator: ~path + 2 characters.
    const cost = snippet.text.length + snippet.path.length + 2;
    if (used + cost <= maxChars) {
      chosen.push(snippet);
      used += cost;
    } else {
      const l = left.get(snippet.source) ?? { count: 0, tokens: 0 };
      left.set(snippet.source, { count: l.count + 1, tokens: l.tokens + snippet.tokens });
    }
  }
  for (const [source, l] of left) dropped.push({ source, reason: `budget: ${l.count} snippet(s), ~${l.tokens} tokens, did not fit` });
  return chosen.sort(
    (a, b) => SOURCE_ORDER.indexOf(a.source) - SOURCE_ORDER.indexOf(b.source) || a.path.localeCompare(b.path) || (a.range?.startLine ?? 0) - (b.range?.startLine ?? 0),
  );
}

/** Whether `next` has a definition (imported, in an open file, or in the workspace index) that `previous` lacks. */
function bringsDefinitions(next: ContextSnippet[], previous: ContextSnippet[]): boolean {
  const had = new Set(previous.map((s) => `${s.path}:${s.range?.startLine}`));
  return next.some((s) => (s.source === 'imports' || s.source === 'definitions' || s.source === 'workspace') && !had.has(`${s.path}:${s.range?.startLine}`));
}

/**
 * Whether a definition source that gave `previous` snippets gave `next` none: a passing failure
 * (the half-typed line leaves the imports unparseable, a source ran over its budget), not a
 * better answer. Replacing on it would swap the prompt's snippets back and forth, each swap
 * costing a re-prefill (test/bench/typingSession.ts).
 */
function lostSource(next: ContextSnippet[], previous: ContextSnippet[]): boolean {
  return (['imports', 'definitions', 'workspace'] as const).some((source) => previous.some((s) => s.source === source) && !next.some((s) => s.source === source));
}

/** The share of `snippet`'s lines that chosen snippets of the same file cover. */
function coveredShare(snippet: ContextSnippet, chosen: ContextSnippet[]): number {
  const range = snippet.range;
  if (!range) return 0;
  const covered = new Set<number>();
  for (const c of chosen) {
    if (c.path !== snippet.path || !c.range) continue;
    for (let l = Math.max(range.startLine, c.range.startLine); l <= Math.min(range.endLine, c.range.endLine); l++) covered.add(l);
  }
  return covered.size / (range.endLine - range.startLine + 1);
}
