import type { ContextBuilder } from '../context/contextEngine';
import { lineStartOffsets } from '../shared/lineOffsets';
import { CHAT_CONTEXT_TOKENS, type PromptContext } from './chatPrompts';
import type { CodeTarget } from './codeTarget';

export interface ContextDocument {
  uri: string;
  text: string;
}

/**
 * Workspace context for a chat prompt about `target`, from the same context engine completions
 * use, as if the cursor stood at the end of the target's lines with the prompt starting at its
 * first: definitions of the imported and nearby symbols they use, and the signatures of the
 * scopes around them. Snippets of the target's own lines are left out (the prompt has them).
 * A failing context engine costs the prompt its context, never the request.
 */
export async function promptContext(builder: ContextBuilder | undefined, target: CodeTarget, document: ContextDocument, diagnostics: PromptContext['diagnostics']): Promise<PromptContext> {
  if (!builder) return { snippets: [], diagnostics };
  // The end of the target's last line: just before the next line's start, or the end of the text.
  const next = lineStartOffsets(document.text)[target.endLine + 1];
  const cursorOffset = next === undefined ? document.text.length : next - 1;
  try {
    const result = await builder.build({
      uri: document.uri,
      path: target.path,
      languageId: target.languageId,
      text: document.text,
      cursorOffset,
      prefixStartLine: target.startLine,
      maxContextTokens: CHAT_CONTEXT_TOKENS,
    });
    const inside = (s: (typeof result.snippets)[number]) => s.path === target.path && s.range !== undefined && s.range.startLine >= target.startLine && s.range.endLine <= target.endLine;
    return { snippets: result.snippets.filter((s) => !inside(s)).map((s) => ({ path: s.path, text: s.text })), diagnostics };
  } catch {
    return { snippets: [], diagnostics };
  }
}
