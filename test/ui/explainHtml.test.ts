import * as assert from 'node:assert/strict';
import { explainHtml, newNonce } from '../../src/ui/explainHtml';

describe('explainHtml', () => {
  // What VS Code gives a webview: cspSource is `'self' https://*.vscode-cdn.net`, resources are on
  // the same CDN host.
  const CSP_SOURCE = "'self' https://*.vscode-cdn.net";
  const parts = {
    cspSource: CSP_SOURCE,
    nonce: 'dGhpcyBpcyBhIG5vbmNl+/==',
    scriptUri: 'https://file%2B.vscode-resource.vscode-cdn.net/ext/media/explain.js',
    styleUri: 'https://file%2B.vscode-resource.vscode-cdn.net/ext/media/explain.css',
    title: 'Explain "parse" <x>',
  };
  const html = explainHtml(parts);

  it('sets the strict Content-Security-Policy', () => {
    const csp = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html)?.[1];
    assert.equal(csp, `default-src 'none'; style-src ${CSP_SOURCE}; script-src 'nonce-${parts.nonce}'; img-src ${CSP_SOURCE} data:;`);
    assert.equal(html.match(/Content-Security-Policy/g)?.length, 1);
    // the CSP comes before anything that loads
    assert.ok(html.indexOf('Content-Security-Policy') < html.indexOf('<link'));
  });

  it('gives every script tag the nonce, and has one script: the media file', () => {
    const scripts = [...html.matchAll(/<script\b[^>]*>/gi)].map((m) => m[0]);
    assert.deepEqual(scripts, [`<script nonce="${parts.nonce}" src="${parts.scriptUri}">`]);
    assert.match(html, /<script[^>]*><\/script>/, 'the script tag has no inline code');
  });

  it('has no inline styles, no inline event handlers, and no http(s) URL but the webview\'s own', () => {
    assert.doesNotMatch(html, /<style/i);
    assert.doesNotMatch(html, /\sstyle=/i);
    assert.doesNotMatch(html, /\son[a-z]+=/i);
    const urls = [...html.matchAll(/https?:\/\/[^\s"'<>;]+/gi)].map((m) => m[0]);
    const own = new Set(['https://*.vscode-cdn.net', parts.scriptUri, parts.styleUri]);
    assert.deepEqual(urls.filter((u) => !own.has(u)), []);
    // built from a cspSource without any URL, the shell names none at all
    const bare = explainHtml({ ...parts, cspSource: 'vscode-webview://test', scriptUri: 'vscode-webview://test/explain.js', styleUri: 'vscode-webview://test/explain.css' });
    assert.doesNotMatch(bare, /https?:/i);
  });

  it('loads only the panel\'s stylesheet', () => {
    const links = [...html.matchAll(/<link\b[^>]*>/gi)].map((m) => m[0]);
    assert.deepEqual(links, [`<link rel="stylesheet" href="${parts.styleUri}">`]);
  });

  it('escapes the title', () => {
    assert.match(html, /<title>Explain &quot;parse&quot; &lt;x&gt;<\/title>/);
  });

  it('has the elements the script and end-to-end tests find by id', () => {
    for (const id of ['subject', 'turns', 'follow-up', 'stop']) assert.match(html, new RegExp(`id="${id}"`), id);
    assert.match(html, /<textarea id="follow-up"[^>]* disabled>/);
    assert.match(html, /<button id="stop" type="button" hidden>/);
  });

  it('makes a fresh nonce each time, 128 bits in base64', () => {
    const nonces = new Set(Array.from({ length: 100 }, newNonce));
    assert.equal(nonces.size, 100);
    for (const nonce of nonces) assert.match(nonce, /^[A-Za-z0-9+/]{22}==$/);
  });
});
