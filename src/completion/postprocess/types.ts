// The post-processing stage's API types, shared by the extension, the CLI and the settings.
// The core never sees an editor type: everyone builds these from plain text the same way.

/** Where a completion is requested. */
export interface CompletionPosition {
  /** Document text before the cursor (may be a window ending at the cursor). */
  prefix: string;
  /** Document text after the cursor (may be a window starting at the cursor). */
  suffix: string;
  /** VS Code language id: 'typescript', 'python', 'go', 'rust', 'java', 'c', 'cpp', 'csharp', ... */
  languageId: string;
}

/** 'auto' decides from the code around the cursor; 'always' and 'never' force the answer. */
export type MultilineMode = 'auto' | 'always' | 'never';

export interface PostprocessOptions {
  /** Usually shouldBeMultiline(pos, mode): the same answer that set the stop strings. */
  multiline: boolean;
  /** Most lines shown, e.g. 16. */
  maxLines: number;
}
