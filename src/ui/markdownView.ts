// The explain panel's Markdown as HTML, rendered on the extension side so the webview receives
// finished HTML and runs no parser of its own. The one module loading markdown-it and
// highlight.js. Pure: no vscode, unit-tested in plain Node.
//
// What the model writes is untrusted text. Raw HTML is shown as text (`html: false`), links keep
// an href only with a scheme from SAFE_LINK (anything else stays the literal `[text](url)`),
// images render as links (a webview's CSP would block remote ones anyway), and table alignment
// becomes a class: the webview's CSP has no 'unsafe-inline' style, so a style attribute would
// only raise a violation.
//
// Both libraries load on the first render, not with the extension: from node_modules they take
// ~18 ms (markdown-it) and ~45 ms (highlight.js, 36 languages) to load, which activation should
// not pay for a command most sessions never run.
import { LRUCache } from 'lru-cache';
import type { default as MarkdownItClass, MarkdownIt } from 'markdown-it';

/**
 * The little of highlight.js used here. It is required untyped: its type declarations say
 * `/// <reference lib="dom" />`, which would switch DOM typings on for the whole program (and give
 * fetch's body in src/downloads a type without Symbol.asyncIterator).
 */
interface Highlighter {
  getLanguage(name: string): object | undefined;
  highlight(code: string, options: { language: string; ignoreIllegals: boolean }): { value: string };
}

/** Schemes a link may keep: the webview opens these in the browser or mail client. */
const SAFE_LINK = /^(?:https?|mailto):/i;

/** VS Code language ids that highlight.js knows under another name (its aliases cover ts, py, sh, rs...). */
const HLJS_NAMES: Readonly<Record<string, string>> = {
  typescriptreact: 'typescript',
  javascriptreact: 'javascript',
  shellscript: 'bash',
  'objective-c': 'objectivec',
  'objective-cpp': 'objectivec',
  'cuda-cpp': 'cpp',
  vue: 'xml',
  svelte: 'xml',
  jsonl: 'json',
};

export interface RenderOptions {
  /** Language for fences without a tag: usually the explained code's VS Code language id. */
  defaultLanguage?: string;
  /**
   * The text is still arriving: a last line that is a fence being typed (```` ``` ```` with a
   * partial tag, or the first backticks of a closing fence) is held back until its line ends,
   * so the block's language does not flicker and no stray backticks show in the code.
   */
  streaming?: boolean;
}

/**
 * Highlighted code by language and text. While an answer streams it is rendered again every
 * ~80 ms, and highlighting is most of the cost (~0.8 ms per KB of code against ~0.15-0.4 for
 * prose): blocks already closed come from here, so only the block still growing is highlighted
 * again (a 10 KB answer, half code: 37 ms the first time, 1.6 ms after). Bounded at ~4 MB.
 */
const highlighted = new LRUCache<string, string>({ max: 64, maxSize: 2_000_000, sizeCalculation: (html, key) => html.length + key.length });

let hljs: Highlighter | undefined;
let md: MarkdownIt | undefined;

function highlighter(): Highlighter {
  // The 36 common languages (JS/TS, Python, Go, Rust, Java, C/C++, C#, shell, JSON, YAML, SQL,
  // diff...) instead of all 190: a fraction of the bundle, and they cover what models write.
  return (hljs ??= require('highlight.js/lib/common') as Highlighter);
}

function parser(): MarkdownIt {
  if (md) return md;
  const markdownIt = new (require('markdown-it') as typeof MarkdownItClass)({ html: false, linkify: false, typographer: false });
  markdownIt.validateLink = (url) => SAFE_LINK.test(url);
  markdownIt.disable('image');
  // Table cells: `style="text-align:right"` -> `class="align-right"`.
  markdownIt.core.ruler.push('align_class', (state) => {
    for (const token of state.tokens) {
      if (token.type !== 'th_open' && token.type !== 'td_open') continue;
      const align = /text-align:(left|right|center)/.exec(String(token.attrGet('style') ?? ''))?.[1];
      token.attrs = (token.attrs ?? []).filter(([name]) => name !== 'style');
      if (align) token.attrJoin('class', `align-${align}`);
    }
  });
  markdownIt.renderer.rules.fence = (tokens, idx, _options, env) => {
    const token = tokens[idx];
    const tag = markdownIt.utils.unescapeAll(token.info).trim().split(/\s+/)[0] ?? '';
    return codeBlock(token.content, tag, tag || (env as RenderOptions | undefined)?.defaultLanguage);
  };
  // Indented code: no tag and often not code at all, so no highlighting, but the same frame and Copy button.
  markdownIt.renderer.rules.code_block = (tokens, idx) => codeBlock(tokens[idx].content, '', undefined);
  return (md = markdownIt);
}

/** The Markdown as HTML; an unclosed fence (mid-stream) is a code block to the end of the text. */
export function renderMarkdown(markdown: string, options: RenderOptions = {}): string {
  return parser().render(options.streaming ? withoutPartialFence(markdown) : markdown, { ...options });
}

/** Code as a highlighted block, the way fences render (the panel's header shows the explained code with it). */
export function renderCode(code: string, languageId: string): string {
  return codeBlock(code.endsWith('\n') ? code : `${code}\n`, '', languageId);
}

/** The highlight.js language for a fence tag or VS Code language id, if it has one. */
export function highlightLanguage(name: string | undefined): string | undefined {
  if (!name) return undefined;
  const key = name.toLowerCase();
  const language = HLJS_NAMES[key] ?? key;
  // getLanguage gives the definition (its name is for display, "HTML, XML"): hand back the key or alias.
  return highlighter().getLanguage(language) ? language : undefined;
}

function codeBlock(content: string, tag: string, languageName: string | undefined): string {
  const language = highlightLanguage(languageName);
  const body = language ? highlight(content, language) : escapeHtml(content);
  const label = tag ? `<span class="code-lang">${escapeHtml(tag)}</span>` : '';
  const langClass = language ? ` language-${escapeHtml(language)}` : '';
  return (
    `<div class="code-block"><div class="code-header">${label}` +
    `<button class="copy-code" type="button" title="Copy code">Copy</button></div>` +
    `<pre><code class="hljs${langClass}">${body}</code></pre></div>\n`
  );
}

function highlight(code: string, language: string): string {
  const key = `${language}\0${code}`;
  let html = highlighted.get(key);
  if (html === undefined) {
    html = highlighter().highlight(code, { language, ignoreIllegals: true }).value;
    highlighted.set(key, html);
  }
  return html;
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** Drops a last, unfinished line that starts like a code fence (``` or ~~~ and a word, no spaces). */
function withoutPartialFence(markdown: string): string {
  const lineStart = markdown.lastIndexOf('\n') + 1;
  return /^ {0,3}(?:`+|~+)[^\s`~]*$/.test(markdown.slice(lineStart)) ? markdown.slice(0, lineStart) : markdown;
}
