// The explain panel's webview (media/explain.js, explain.css, the explainHtml shell) in a real
// browser, driven by a real ExplainConversation: no VS Code, the webview API stubbed. The CSP is
// enforced (a violation fails the test), so this also shows that the nonce'd script runs and
// nothing inline is needed. Needs Debian's Chromium (test/e2e/setup.ts installs it); skipped without.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Page } from 'playwright-core';
import { ExplainConversation } from '../../src/ui/explainConversation';
import { explainHtml, newNonce } from '../../src/ui/explainHtml';
import type { FromWebview, ToWebview } from '../../src/ui/explainProtocol';
import { launchChromium, type Browser } from '../e2e/chromium';
import { CHROMIUM, REPO_ROOT } from '../e2e/setup';

// The few browser globals used inside page.evaluate (tsconfig has no DOM lib; these stay module-local).
declare const window: { __posted: FromWebview[]; __violations: string[]; __pwned?: number; postMessage(message: unknown, target: string): void };
declare const document: { getElementById(id: string): { scrollHeight: number; scrollTop: number; clientHeight: number } };

/** What acquireVsCodeApi() gives the script: posted messages and its state are kept for the test. */
const STUB = `
  window.__posted = [];
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => window.__posted.push(m),
    getState: () => JSON.parse(sessionStorage.getItem('state') || 'null'),
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
`;

describe('explain webview (Chromium)', function () {
  this.timeout(60_000);
  let server: http.Server;
  let browser: Browser | undefined;
  let profile = '';
  let page: Page;
  let conversation: ExplainConversation;
  /** Messages to the page go out in order, like webview.postMessage. */
  let delivered: Promise<unknown> = Promise.resolve();

  const posted = () => page.evaluate(() => window.__posted);
  const settle = async (ms = 0) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await delivered;
  };
  const text = (selector: string) => page.locator(selector).innerText();

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) {
      console.log(`    (skipped: no ${CHROMIUM}; test/e2e/setup.ts installs it)`);
      this.skip();
    }
    server = http.createServer((req, res) => {
      const origin = `http://${req.headers.host}`;
      const file = { '/media/explain.js': 'text/javascript', '/media/explain.css': 'text/css' }[req.url ?? ''];
      if (file) {
        res.writeHead(200, { 'content-type': file }).end(fs.readFileSync(path.join(REPO_ROOT, req.url!)));
        return;
      }
      const html = explainHtml({ cspSource: origin, nonce: newNonce(), scriptUri: `${origin}/media/explain.js`, styleUri: `${origin}/media/explain.css`, title: 'Explain' });
      res.writeHead(200, { 'content-type': 'text/html' }).end(html);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    profile = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-webview-'));
    browser = await launchChromium(CHROMIUM, profile);
    page = browser.page;
    await page.setViewportSize({ width: 800, height: 600 });
    await page.addInitScript(STUB);
    conversation = new ExplainConversation((message: ToWebview) => {
      delivered = delivered.then(() => page.evaluate((m) => window.postMessage(m, '*'), message));
    }, 20);
    await load();
  });

  after(async () => {
    conversation?.dispose();
    await browser?.context.close();
    server?.close();
    if (profile) for (const dir of [profile, `${profile}-config`, `${profile}-cache`]) fs.rmSync(dir, { recursive: true, force: true });
  });

  afterEach(async () => {
    const violations = await page.evaluate(() => window.__violations);
    assert.deepEqual(violations, [], 'Content-Security-Policy violations');
  });

  /** Loads the shell and answers its `ready` with the conversation, as ExplainPanel does. */
  async function load(): Promise<void> {
    const { port } = server.address() as AddressInfo;
    await page.goto(`http://127.0.0.1:${port}/`);
    await page.waitForFunction(() => window.__posted.some((m) => m.type === 'ready'));
    void page.evaluate((m) => window.postMessage(m, '*'), conversation.snapshot());
    await settle();
  }

  it('shows the subject, then streams an answer with highlighted code; Stop while it streams', async () => {
    assert.ok(await page.locator('#subject').isHidden());
    assert.ok(await page.locator('#follow-up').isDisabled(), 'nothing to ask about yet');
    conversation.begin({ path: 'src/parse.ts', startLine: 12, endLine: 40, languageId: 'typescript', code: 'export function parse(text: string) {}' });
    await settle();
    assert.equal(await text('#subject .subject-path'), 'src/parse.ts');
    assert.equal(await text('#subject .subject-lines'), 'lines 12–40');
    assert.equal(await page.locator('#subject .hljs-keyword').first().textContent(), 'export', 'highlighted (in the collapsed Code section)');
    assert.equal(await page.locator('.turn').count(), 0);
    assert.ok(await page.locator('#follow-up').isEnabled());

    conversation.startAnswer();
    await settle();
    assert.equal(await page.getAttribute('body', 'data-state'), 'answering');
    assert.ok(await page.locator('#stop').isVisible());
    assert.ok(await page.locator('#follow-up').isDisabled());

    conversation.append('It **parses** the text:\n\n```ts\nconst tokens = lex(text);\n');
    await settle(60);
    assert.equal(await page.locator('#answer strong').innerText(), 'parses');
    assert.equal(await page.locator('#answer .code-block .code-lang').innerText(), 'ts');
    assert.equal(await page.locator('#answer .hljs-keyword').first().innerText(), 'const');

    await page.click('#stop');
    assert.deepEqual((await posted()).filter((m) => m.type === 'stop'), [{ type: 'stop' }]);
    assert.ok(await page.locator('#stop').isDisabled(), 'pressed once');
    conversation.finish({ timeToFirstTokenMs: 310, tokensPerSecond: 24, newTokens: 12, totalMs: 800 }, true);
    await settle();
    assert.equal(await text('#figures'), 'stopped · time to first token 310 ms · 24 tok/s · 12 tokens in 0.8 s');
    assert.ok(await page.locator('#stop').isHidden());
    assert.ok(await page.locator('#follow-up').isEnabled());
    assert.equal(await page.getAttribute('.turn', 'data-state'), 'stopped');
  });

  it('copies the answer (by turn, as Markdown in the extension) and a code block (its text)', async () => {
    await page.click('#copy');
    await page.click('#answer .copy-code');
    const copies = (await posted()).filter((m) => m.type === 'copyAnswer' || m.type === 'copyCode');
    assert.deepEqual(copies, [
      { type: 'copyAnswer', turn: 0 },
      { type: 'copyCode', text: 'const tokens = lex(text);\n' },
    ]);
    assert.equal(await text('#copy'), 'Copied');
  });

  it('sends a follow-up on Enter; its answer becomes the current turn (the ids move to it)', async () => {
    await page.fill('#follow-up', 'And lex?');
    await page.press('#follow-up', 'Shift+Enter');
    assert.equal(await page.inputValue('#follow-up'), 'And lex?\n', 'Shift+Enter is a new line');
    await page.fill('#follow-up', 'And lex?');
    await page.press('#follow-up', 'Enter');
    assert.deepEqual((await posted()).filter((m) => m.type === 'followUp'), [{ type: 'followUp', text: 'And lex?' }]);
    assert.equal(await page.inputValue('#follow-up'), '');
    assert.ok(await page.locator('#follow-up').isDisabled(), 'until its answer comes');

    conversation.startAnswer('And lex?');
    conversation.append('It splits the text into tokens.');
    await settle(60);
    assert.equal(await page.locator('.turn').count(), 2);
    for (const id of ['answer', 'figures', 'error', 'copy']) assert.equal(await page.locator(`#${id}`).count(), 1, id);
    assert.equal(await text('.turn:last-child .question'), 'And lex?');
    assert.equal(await text('#answer'), 'It splits the text into tokens.');
    assert.match(await text('.turn:first-child .answer'), /It parses the text/);
  });

  it('follows the streaming answer down unless the user scrolled up', async () => {
    const bottomGap = () => page.evaluate(() => {
      const turns = document.getElementById('turns');
      return turns.scrollHeight - turns.scrollTop - turns.clientHeight;
    });
    for (let i = 0; i < 40; i++) conversation.append(`\n\nParagraph ${i} of a long answer.`);
    await settle(60);
    assert.ok((await bottomGap()) <= 1, 'at the bottom');
    const bottom = await page.evaluate(() => document.getElementById('turns').scrollTop);
    await page.mouse.move(400, 300);
    await page.mouse.wheel(0, -400);
    await page.waitForFunction((b) => document.getElementById('turns').scrollTop <= b - 300, bottom);
    await settle(50);
    const top = await page.evaluate(() => document.getElementById('turns').scrollTop);
    for (let i = 0; i < 10; i++) conversation.append(`\n\nMore ${i}.`);
    await settle(60);
    assert.equal(await page.evaluate(() => document.getElementById('turns').scrollTop), top, 'stays where the user is');
    assert.ok((await bottomGap()) > 100);
    // back at the bottom, it follows again
    await page.mouse.wheel(0, 10_000);
    await page.waitForFunction(() => {
      const turns = document.getElementById('turns');
      return turns.scrollHeight - turns.scrollTop - turns.clientHeight <= 1;
    });
    await settle(50);
    conversation.append('\n\nThe end.');
    await settle(60);
    assert.ok((await bottomGap()) <= 1, 'follows again');
  });

  it('shows a failure; the failed question waits in the follow-up box to be sent again', async () => {
    conversation.fail('The model stopped responding');
    await settle();
    assert.ok(await page.locator('#error').isVisible());
    assert.equal(await text('#error'), 'The model stopped responding');
    assert.equal(await page.getAttribute('.turn:last-child', 'data-state'), 'failed');
    assert.ok(await page.locator('#follow-up').isEnabled());
    assert.equal(await page.inputValue('#follow-up'), 'And lex?');
  });

  it('never runs HTML from the answer', async () => {
    conversation.startAnswer('x');
    conversation.append('<img src=x onerror="window.__pwned=1"> <script>window.__pwned=1</script>\n\n[a](javascript:window.__pwned=1)\n\n```html\n<script>window.__pwned=1</script>\n```\n');
    conversation.finish({ tokensPerSecond: 10, newTokens: 5, totalMs: 500 }, false);
    await settle();
    assert.equal(await page.locator('#answer img, #answer script, #answer a').count(), 0);
    assert.match(await text('#answer'), /<img src=x onerror="window.__pwned=1">/);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
  });

  it('rebuilds everything after a reload (hidden and shown again), the draft kept', async () => {
    await page.fill('#follow-up', 'a draft');
    await page.dispatchEvent('#follow-up', 'input');
    const before = await page.locator('#turns').innerHTML();
    await load();
    assert.equal(await page.locator('.turn').count(), 3);
    const normal = (html: string) => html.replace(/>Copied</g, '>Copy<').replace(/ copied"/g, '"');
    assert.equal(normal(await page.locator('#turns').innerHTML()), normal(before));
    assert.equal(await page.inputValue('#follow-up'), 'a draft');
    assert.equal(await text('#subject .subject-path'), 'src/parse.ts');
  });
});
