import type { BackendResult } from '../../src/backend/inferenceBackend';
import type { CompletionRequest, CompletionSettings } from '../../src/completion/completionService';

/** CompletionService settings for unit tests: no debounce, single-line, no prompt lookup. */
export const COMPLETION_SETTINGS: CompletionSettings = {
  debounceMs: 0, maxNewTokens: 32, maxPromptTokens: 1024, maxSuffixTokens: 256, maxContextTokens: 256,
  multiline: 'never', maxLines: 16, syntaxCheck: true, timeBudgetMs: 5000, speculation: { promptLookup: false, draftModel: false }, suffixReuse: 'exact',
};

/** A completion request at (line, character) of `text`: explicit (Alt+\) unless said otherwise, in file:///w/main.ts unless said otherwise. */
export function requestFor(text: string, line: number, character: number, options: { explicit?: boolean; documentId?: string } = {}): CompletionRequest {
  const lines = text.split('\n');
  return {
    documentId: options.documentId ?? 'file:///w/main.ts',
    document: { lineCount: lines.length, lineText: (l) => lines[l]! },
    languageId: 'typescript',
    position: { line, character },
    explicit: options.explicit ?? true,
    filePath: 'main.ts',
    fullText: () => ({ text, cursorOffset: lines.slice(0, line).reduce((n, l) => n + l.length + 1, 0) + character }),
  };
}

/** A backend result with small figures. */
export function backendResult(text: string, finishReason: BackendResult['finishReason'] = 'stop-string'): BackendResult {
  return { text, finishReason, figures: { totalMs: 2, promptTokens: 10, reusedPromptTokens: 0, newTokens: 1, tokensPerSecond: 1, contextTokens: 7 } };
}
