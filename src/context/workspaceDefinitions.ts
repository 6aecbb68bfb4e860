import * as path from 'node:path';
import { relativeLabel, toFsPath } from './fsPaths';
import { sameFamily } from '../languages/grammars';
import { identifiersNearCursor, linesAround, memberOnlyNames } from './identifiers';
import { grammarOfFile } from '../languages/languageOfFile';
import { grammarFor } from '../languages/languages';
import type { DefinitionsRequest } from './openDefinitions';
import type { OpenDocument } from './openDocuments';
import { estimateTokens } from '../prompt/promptBudget';
import type { ContextSnippet } from './snippet';
import type { WorkspaceDefinition, WorkspaceIndex } from './workspaceIndex';

/** As for open documents' definitions: the cursor's line and the 30 above it. */
const LINES_ABOVE = 30;
const MAX_IDENTIFIERS = 40;
/** Definitions given per name: the nearest ones. */
const PER_NAME = 2;
/**
 * A name defined in more places than this (`New`, `init`, `get`) is too common to tell which one
 * is meant, unless one of them is in the current file's folder (its package in Go or Java).
 */
const MAX_PLACES = 8;
/** Files read per request: each is a disk read (cached for the next requests). */
const MAX_SNIPPETS = 12;

/**
 * Definitions, anywhere in the workspace index, of the identifiers near the cursor: what open
 * documents and resolved imports do not reach, such as a Go or Java package's other files, or C
 * headers. Open documents are left out (openDefinitions reads their current text). Nearest
 * identifier first; for one name, the definition nearest the current file in the folder tree.
 */
export async function workspaceDefinitions(request: DefinitionsRequest, documents: OpenDocument[], index: WorkspaceIndex): Promise<ContextSnippet[]> {
  const grammar = grammarFor(request.languageId);
  const here = toFsPath(request.uri);
  if (!grammar || !here) return [];
  const open = new Set(documents.map((d) => toFsPath(d.uri)));
  open.add(here);
  const folder = path.dirname(here);

  // A name used only as a member (`options.loose`) is no top-level declaration of another file:
  // found by name alone, those would be unrelated code.
  const members = memberOnlyNames(linesAround(request.text, request.cursorOffset, LINES_ABOVE, 0).text);
  const wanted: { def: WorkspaceDefinition; score: number }[] = [];
  for (const [name, rank] of identifiersNearCursor(request.text, request.cursorOffset, LINES_ABOVE, MAX_IDENTIFIERS)) {
    if (members.has(name)) continue;
    let places = index.lookup(name).filter((d) => !open.has(d.file) && sameFamily(grammarOfFile(d.file)!, grammar));
    if (places.length > MAX_PLACES) places = places.filter((d) => path.dirname(d.file) === folder);
    const byDistance = places.map((def) => ({ def, distance: folderDistance(folder, path.dirname(def.file)) })).sort((a, b) => a.distance - b.distance);
    for (const { def, distance } of byDistance.slice(0, PER_NAME)) wanted.push({ def, score: 1 / (1 + rank + distance / 10) });
  }
  wanted.sort((a, b) => b.score - a.score);

  const chosen = wanted.slice(0, MAX_SNIPPETS);
  // All at once: the engine stops waiting at the source's budget.
  const texts = await Promise.all(chosen.map(({ def }) => index.readDefinition(def)));
  const out: ContextSnippet[] = [];
  chosen.forEach(({ def, score }, i) => {
    const text = texts[i];
    if (text === undefined || contained(chosen, texts, i)) return;
    out.push({ path: relativeLabel(index.roots, def.file), text, source: 'workspace', score, tokens: estimateTokens(text), range: { startLine: def.startLine, endLine: def.endLine } });
  });
  return out;
}

/** Folders between two folders: 0 for the same, 1 for a parent or child, 2 for siblings... */
function folderDistance(a: string, b: string): number {
  const x = a.split(path.sep);
  const y = b.split(path.sep);
  let common = 0;
  while (common < x.length && common < y.length && x[common] === y[common]) common++;
  return x.length - common + (y.length - common);
}

/**
 * Whether another chosen definition of the same file contains this one (a method of a class found
 * too), unless the container's text was cut and may not show it.
 */
function contained(chosen: { def: WorkspaceDefinition }[], texts: (string | undefined)[], i: number): boolean {
  const d = chosen[i]!.def;
  return chosen.some(
    ({ def: o }, j) => j !== i && o.file === d.file && o.startIndex <= d.startIndex && d.endIndex <= o.endIndex && (o.startIndex !== d.startIndex || o.endIndex !== d.endIndex) && texts[j] !== undefined && !texts[j]!.endsWith('\n...'),
  );
}
