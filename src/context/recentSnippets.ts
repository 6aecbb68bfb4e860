import { LRUCache } from 'lru-cache';
import { identifierSet, jaccard, linesAround } from './identifiers';
import type { OpenDocument } from './openDocuments';
import { estimateTokens } from '../prompt/promptBudget';
import type { ContextSnippet } from './snippet';

export interface RecentRequest {
  uri: string;
  text: string;
  cursorOffset: number;
}

export interface RecentSnippetsOptions {
  /** Files remembered, most recent first. */
  maxFiles?: number;
  /** Lines per window, and the step between windows (half a window: each line is in two). */
  windowLines?: number;
  maxSnippets?: number;
  /** Windows less similar than this are noise. */
  minScore?: number;
}

/** 20 lines of 200 characters. */
const MAX_WINDOW_CHARS = 4000;

interface Window {
  startLine: number;
  endLine: number;
  text: string;
  ids: Set<string>;
  /** Its non-blank lines, trimmed. */
  lines: Set<string>;
}

/** The share of the smaller window's lines that the other one has too. */
function sharedLines(a: Window, b: Window): number {
  const [small, large] = a.lines.size < b.lines.size ? [a.lines, b.lines] : [b.lines, a.lines];
  if (small.size === 0) return 0;
  let common = 0;
  for (const line of small) if (large.has(line)) common++;
  return common / small.size;
}

/**
 * Snippets from recently edited and viewed files, ranked by Jaccard similarity between the
 * identifiers of ~20-line windows and those of the 15 lines above and 5 below the cursor
 * (the approach of Copilot's "neighboring tabs" and Continue's similar-code snippets).
 * Windows of a file are computed once per version of it.
 */
export class RecentSnippets {
  /** Recent documents, with their windows once computed (for the version `key`). */
  private readonly recent: LRUCache<string, { windows?: { key: number | string; windows: Window[] } }>;
  private readonly windowLines: number;
  private readonly maxSnippets: number;
  private readonly minScore: number;

  constructor(options: RecentSnippetsOptions = {}) {
    this.recent = new LRUCache({ max: options.maxFiles ?? 10 });
    this.windowLines = options.windowLines ?? 20;
    this.maxSnippets = options.maxSnippets ?? 6;
    this.minScore = options.minScore ?? 0.05;
  }

  /** Records that a document was edited or shown (call on change and on active-editor change). */
  touch(uri: string): void {
    this.recent.set(uri, this.recent.peek(uri) ?? {});
  }

  forget(uri: string): void {
    this.recent.delete(uri);
  }

  /** Recent URIs, most recent first. */
  list(): readonly string[] {
    return [...this.recent.keys()];
  }

  /**
   * The best windows of the recent documents other than the current one, near-duplicates removed
   * (a window overlapping a better one of the same file, or half of whose lines are in a better one:
   * copied code). Stops at `deadline` between documents.
   */
  snippets(request: RecentRequest, documents: OpenDocument[], deadline: number): { snippets: ContextSnippet[]; incomplete: boolean } {
    const query = identifierSet(linesAround(request.text, request.cursorOffset, 15, 5).text);
    if (query.size === 0) return { snippets: [], incomplete: false };
    const byUri = new Map(documents.map((d) => [d.uri, d]));
    const scored: { doc: OpenDocument; window: Window; score: number }[] = [];
    let incomplete = false;
    for (const uri of this.recent.keys()) {
      const doc = byUri.get(uri);
      if (!doc || uri === request.uri) continue;
      if (performance.now() > deadline) {
        incomplete = true;
        break;
      }
      for (const window of this.windowsOf(doc)) {
        const score = jaccard(query, window.ids);
        if (score >= this.minScore) scored.push({ doc, window, score });
      }
    }
    scored.sort((a, b) => b.score - a.score);
    const chosen: typeof scored = [];
    for (const candidate of scored) {
      if (chosen.length >= this.maxSnippets) break;
      const duplicate = chosen.some(
        (c) =>
          (c.doc.uri === candidate.doc.uri && c.window.startLine <= candidate.window.endLine && candidate.window.startLine <= c.window.endLine) ||
          sharedLines(c.window, candidate.window) >= 0.5,
      );
      if (!duplicate) chosen.push(candidate);
    }
    return {
      snippets: chosen.map(({ doc, window, score }) => ({
        path: doc.path,
        text: window.text,
        source: 'recent' as const,
        score,
        tokens: estimateTokens(window.text),
        range: { startLine: window.startLine, endLine: window.endLine },
      })),
      incomplete,
    };
  }

  private windowsOf(doc: OpenDocument): Window[] {
    const key = doc.version ?? doc.text;
    // Peeked, not read: only touch() says what is recent.
    const entry = this.recent.peek(doc.uri);
    if (entry?.windows?.key === key) return entry.windows.windows;
    const lines = doc.text.replace(/\r/g, '').split('\n');
    const step = Math.max(1, this.windowLines >> 1);
    const windows: Window[] = [];
    // 2,000 windows (a 20,000-line file) at most: beyond, a file is data more than code.
    for (let start = 0; start < lines.length && windows.length < 2000; start += step) {
      const end = Math.min(lines.length, start + this.windowLines) - 1;
      const text = lines.slice(start, end + 1).join('\n');
      // A window of minified code (a few very long lines) is no use as context.
      if (text.trim() && text.length <= MAX_WINDOW_CHARS) windows.push({ startLine: start, endLine: end, text, ids: identifierSet(text), lines: nonBlankLines(text) });
      if (end === lines.length - 1) break;
    }
    if (entry) entry.windows = { key, windows };
    return windows;
  }
}

function nonBlankLines(text: string): Set<string> {
  return new Set(text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0));
}
