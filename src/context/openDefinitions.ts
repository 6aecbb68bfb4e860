import type { DefinitionIndex } from './definitionIndex';
import { sameFamily } from '../languages/grammars';
import { identifiersNearCursor } from './identifiers';
import { grammarFor } from '../languages/languages';
import type { OpenDocument } from './openDocuments';
import { estimateTokens } from '../prompt/promptBudget';
import type { ContextSnippet } from './snippet';

export interface DefinitionsRequest {
  uri: string;
  languageId: string;
  text: string;
  cursorOffset: number;
}

/** Identifiers looked up: those in the 30 lines above the cursor and the cursor's line, nearest first. */
const LINES_ABOVE = 30;
const MAX_IDENTIFIERS = 40;
/** A name defined in more places than this is too common to tell which one is meant. */
const MAX_DEFINITIONS_PER_NAME = 2;

/**
 * Definitions, in the other open documents of the same language family, of the identifiers near
 * the cursor. Score: 1 for the identifier nearest the cursor, 1/2 for the next... Stops at
 * `deadline` (performance.now() time) between documents; `incomplete` says it did.
 */
export function openDefinitions(request: DefinitionsRequest, documents: OpenDocument[], index: DefinitionIndex, deadline: number): { snippets: ContextSnippet[]; incomplete: boolean } {
  const grammar = grammarFor(request.languageId);
  if (!grammar) return { snippets: [], incomplete: false };
  const rank = identifiersNearCursor(request.text, request.cursorOffset, LINES_ABOVE, MAX_IDENTIFIERS);

  const found = new Map<string, ContextSnippet>();
  let incomplete = false;
  for (const doc of documents) {
    if (doc.uri === request.uri) continue;
    const other = grammarFor(doc.languageId);
    if (!other || !sameFamily(other, grammar)) continue;
    if (performance.now() > deadline) {
      incomplete = true;
      break;
    }
    const definitions = index.definitionsOf(doc);
    if (!definitions) continue;
    for (const [word, r] of rank) {
      for (const def of (definitions.get(word) ?? []).slice(0, MAX_DEFINITIONS_PER_NAME)) {
        const key = `${def.uri}:${def.startLine}`;
        const score = 1 / (1 + r);
        if ((found.get(key)?.score ?? 0) >= score) continue;
        found.set(key, { path: def.path, text: def.text, source: 'definitions', score, tokens: estimateTokens(def.text), range: { startLine: def.startLine, endLine: def.endLine } });
      }
    }
  }
  return { snippets: dropContained([...found.values()]), incomplete };
}

/** Drops a definition lying inside another one found in the same file (a method of a class found too). */
function dropContained(snippets: ContextSnippet[]): ContextSnippet[] {
  return snippets.filter(
    (s) => !snippets.some((o) => o !== s && o.path === s.path && o.range!.startLine <= s.range!.startLine && s.range!.endLine <= o.range!.endLine && !o.text.endsWith('\n...') && (o.range!.startLine !== s.range!.startLine || o.range!.endLine !== s.range!.endLine)),
  );
}
