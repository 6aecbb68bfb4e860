import type { FimInput } from './fimPrompt';
import type { FimOrder, FimTemplate } from './fimTemplates';

/**
 * A FIM prompt as ordered parts, before any tokenizer sees it. Every template-specific choice
 * (repo-level format or snippets as comments, CodeLlama's space after the prefix token) is made
 * here, once; the worker encodes the parts with exact token budgets (PromptBuilder), a server
 * backend writes them as text (renderFimText). Both apply the budget by `fit` (fitLayout).
 */
export type FimLayout = readonly FimLayoutPart[];

export interface FimLayoutPart {
  role: FimPartRole;
  /** A control token as its vocabulary text (`<|fim_prefix|>`): encoded as its id, never as text. */
  control?: string;
  /** Text after the control token, always encoded as plain text. */
  text: string;
  fit: FimPartFit;
}

/** What a part holds. A marker is the FIM control token and any text the template puts after it. */
export type FimPartRole = 'repo-name' | 'snippet' | 'file-path' | 'prefix-marker' | 'prefix' | 'suffix-marker' | 'suffix' | 'middle-marker';

/** What the budget may do to a part. */
export type FimPartFit =
  /** Always placed whole: markers, the repository name, the file path. */
  | { rule: 'keep' }
  /** Placed whole while it fits what is left of maxContextTokens, else left out; `textChars` is reported dropped. */
  | { rule: 'drop-whole'; textChars: number }
  /** Loses whole PREFIX_CHUNK_LINES chunks (counted from document line `startLine`) from its start, then keeps a tail. */
  | { rule: 'chunk-tail'; startLine: number }
  /** Keeps its head within maxSuffixTokens, cut at the last whole line. */
  | { rule: 'line-head' };

type Snippet = NonNullable<FimInput['snippets']>[number];

/**
 * The template's parts in `order`. SPM needs the template's `spm` (resolveFimOrder checks it): the
 * repository header, other files and the path stay first, then `<PRE><SUF>suffix<MID>prefix`, so the
 * middle the model writes follows the prefix directly, as in PSM.
 */
export function buildFimLayout(template: FimTemplate, input: FimInput, order: FimOrder = 'psm'): FimLayout {
  if (order === 'spm' && !template.spm) throw new Error(`${template.label} has no suffix-first (SPM) format`);
  const parts: FimLayoutPart[] = [];
  const snippets = input.snippets ?? [];
  // Stable parts first: the repository header and other files change least, so the KV cache keeps them.
  const repo = template.repo && (input.filePath || snippets.length) ? template.repo : undefined;
  if (repo?.repoName) parts.push(kept('repo-name', repo.repoName, `${input.repoName ?? 'workspace'}\n`));
  if (repo) for (const s of snippets) parts.push(snippet(`${s.path}\n${s.text}\n`, s, repo.fileSeparator));
  if (repo && input.filePath) parts.push(kept('file-path', repo.fileSeparator, `${input.filePath}\n`));

  // Without a repo-level format, snippets open the prefix as comments: `// Path: a.ts` then the lines.
  const comment = input.lineComment;
  const prefix: FimLayoutPart[] = [
    ...(!repo && comment ? snippets.map((s) => snippet(commented(s, comment), s)) : []),
    { role: 'prefix', text: input.prefix, fit: { rule: 'chunk-tail', startLine: input.prefixStartLine } },
  ];
  const suffix: FimLayoutPart[] = [
    kept('suffix-marker', template.suffix, template.afterSuffixToken ?? ''),
    { role: 'suffix', text: input.suffix, fit: { rule: 'line-head' } },
  ];
  if (order === 'spm') {
    parts.push(kept('prefix-marker', template.prefix, ''), ...suffix, kept('middle-marker', template.middle, template.spm?.afterMiddleToken ?? ''), ...prefix);
  } else {
    parts.push(kept('prefix-marker', template.prefix, template.afterPrefixToken ?? ''), ...prefix, ...suffix, kept('middle-marker', template.middle, ''));
  }
  return parts;
}

function kept(role: FimPartRole, control: string, text: string): FimLayoutPart {
  return { role, control, text, fit: { rule: 'keep' } };
}

function snippet(text: string, source: Snippet, control?: string): FimLayoutPart {
  return { role: 'snippet', ...(control ? { control } : {}), text, fit: { rule: 'drop-whole', textChars: source.text.length } };
}

function commented(s: Snippet, comment: string): string {
  const lines = s.text.split('\n').map((l) => `${comment} ${l}`.trimEnd());
  return `${comment} Path: ${s.path}\n${lines.join('\n')}\n`;
}
