// The explain panel's HTML shell. Pure (no vscode) so its Content-Security-Policy is unit-tested:
// nothing loads but the panel's own stylesheet and one script carrying a fresh nonce; no inline
// styles, no remote resources. Everything inside is built by media/explain.js from messages.
import { randomBytes } from 'node:crypto';

export interface ExplainHtmlParts {
  /** `webview.cspSource`: where the webview may load the extension's media/ from. */
  cspSource: string;
  /** A fresh nonce per load (newNonce). */
  nonce: string;
  /** `webview.asWebviewUri` of media/explain.js and media/explain.css. */
  scriptUri: string;
  styleUri: string;
  title?: string;
}

/** 128 random bits, base64 (the CSP nonce grammar allows + / =). */
export function newNonce(): string {
  return randomBytes(16).toString('base64');
}

export function explainHtml({ cspSource, nonce, scriptUri, styleUri, title = 'Explain' }: ExplainHtmlParts): string {
  const csp = `default-src 'none'; style-src ${cspSource}; script-src 'nonce-${nonce}'; img-src ${cspSource} data:;`;
  const a = escapeAttribute;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${a(csp)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${a(styleUri)}">
<title>${a(title)}</title>
</head>
<body data-state="idle">
<header id="subject" class="subject" hidden>
<div class="subject-line"><span class="subject-path"></span> <span class="subject-lines"></span></div>
<details class="subject-code"><summary>Code</summary><div class="subject-code-body"></div></details>
</header>
<main id="turns" class="turns" aria-live="polite"></main>
<footer class="composer">
<textarea id="follow-up" rows="1" placeholder="Ask a follow-up question (Enter sends, Shift+Enter for a new line)" aria-label="Follow-up question" disabled></textarea>
<button id="stop" type="button" hidden>Stop</button>
</footer>
<script nonce="${a(nonce)}" src="${a(scriptUri)}"></script>
</body>
</html>
`;
}

function escapeAttribute(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
