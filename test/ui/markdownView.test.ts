import * as assert from 'node:assert/strict';
import { highlightLanguage, renderCode, renderMarkdown } from '../../src/ui/markdownView';

/** Every tag name in the HTML. */
function tags(html: string): string[] {
  return [...html.matchAll(/<([a-z][a-z0-9]*)\b/gi)].map((m) => m[1].toLowerCase());
}

describe('markdownView', () => {
  describe('untrusted text', () => {
    it('shows raw HTML as text', () => {
      const html = renderMarkdown('Use <b>bold</b> and <img src=x onerror=alert(1)>\n\n<div onclick="x()">block</div>');
      assert.match(html, /&lt;b&gt;bold&lt;\/b&gt;/);
      assert.match(html, /&lt;img src=x onerror=alert\(1\)&gt;/);
      assert.match(html, /&lt;div onclick=&quot;x\(\)&quot;&gt;block&lt;\/div&gt;/);
      assert.deepEqual([...new Set(tags(html))].sort(), ['p']);
    });

    const scripts: [string, string][] = [
      ['a script block', '<script>alert(1)</script>'],
      ['an inline script', 'text <script src="https://evil.example/x.js"></script> more'],
      ['a script in a fenced html block', '```html\n<script>alert(1)</script>\n```'],
      ['a script in an unclosed fence', 'Look:\n```\n<script>alert(1)'],
      ['a script in inline code', 'Run `<script>alert(1)</script>` now'],
      ['a script in a link text', '[<script>alert(1)</script>](https://example.com)'],
      ['a script in a table', '| a |\n| - |\n| <script>alert(1)</script> |'],
      ['a fence tag that breaks out of its attribute', '```"><script>alert(1)</script>\nx\n```'],
      ['an entity-encoded script', '&lt;script&gt;alert(1)&lt;/script&gt; &#60;script&#62;'],
    ];
    for (const [name, markdown] of scripts) {
      it(`never lets a <script> through: ${name}`, () => {
        for (const streaming of [false, true]) {
          const html = renderMarkdown(markdown, { streaming });
          assert.doesNotMatch(html, /<script/i, html);
          assert.ok(!tags(html).includes('script'));
          assert.doesNotMatch(html, /\son[a-z]+=/i, 'no event handler attribute');
        }
      });
    }

    const unsafeLinks = [
      '[click](javascript:alert(1))',
      '[click](JavaScript:alert(1))',
      '[click](  javascript:alert(1)  )',
      '[click](java&#x09;script:alert(1))',
      '[click](&#106;avascript:alert(1))',
      '[click](vbscript:msgbox(1))',
      '[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
      '[click](file:///etc/passwd)',
      '[click](command:workbench.action.terminal.new)',
      '<javascript:alert(1)>',
      '[click][ref]\n\n[ref]: javascript:alert(1)',
      '![x](javascript:alert(1))',
    ];
    for (const markdown of unsafeLinks) {
      it(`keeps no href for ${JSON.stringify(markdown)}`, () => {
        const html = renderMarkdown(markdown);
        assert.doesNotMatch(html, /<a\b/, html);
        assert.doesNotMatch(html, /href=/, html);
      });
    }

    it('keeps http, https and mailto links clickable', () => {
      const html = renderMarkdown('[docs](https://example.com/a?b=1&c=2) [plain](http://example.com) <mailto:me@example.com>');
      assert.match(html, /<a href="https:\/\/example\.com\/a\?b=1&amp;c=2">docs<\/a>/);
      assert.match(html, /<a href="http:\/\/example\.com">plain<\/a>/);
      assert.match(html, /<a href="mailto:me@example\.com">/);
    });

    it('leaves relative links and bare URLs as text (no linkify)', () => {
      const html = renderMarkdown('See [the file](src/a.ts) or https://example.com');
      assert.doesNotMatch(html, /<a\b/);
      assert.match(html, /\[the file\]\(src\/a\.ts\)/);
    });

    it('renders images as links, never <img> (no remote loads)', () => {
      const html = renderMarkdown('![diagram](https://example.com/d.png)');
      assert.ok(!tags(html).includes('img'));
      assert.match(html, /<a href="https:\/\/example\.com\/d\.png">diagram<\/a>/);
    });

    it('writes no style attribute (the CSP has no inline styles): table alignment is a class', () => {
      const html = renderMarkdown('| a | b | c |\n| :- | :-: | -: |\n| 1 | 2 | 3 |');
      assert.doesNotMatch(html, /style=/);
      assert.match(html, /<th class="align-left">a<\/th>/);
      assert.match(html, /<td class="align-center">2<\/td>/);
      assert.match(html, /<td class="align-right">3<\/td>/);
    });
  });

  describe('code', () => {
    it('highlights a fence with hljs classes and shows its language tag', () => {
      const html = renderMarkdown('Here:\n\n```typescript\nconst answer: number = 42; // why\n```\n');
      assert.match(html, /<span class="code-lang">typescript<\/span>/);
      assert.match(html, /<code class="hljs language-typescript">/);
      assert.match(html, /<span class="hljs-keyword">const<\/span>/);
      assert.match(html, /<span class="hljs-number">42<\/span>/);
      assert.match(html, /<span class="hljs-comment">\/\/ why<\/span>/);
      assert.match(html, /<button class="copy-code" type="button"/);
    });

    it('highlights by alias (py, sh, rs) and by VS Code language id (typescriptreact, shellscript)', () => {
      assert.match(renderMarkdown('```py\ndef f(): pass\n```'), /hljs-keyword">def</);
      assert.match(renderMarkdown('```rs\nfn main() {}\n```'), /hljs-keyword">fn</);
      assert.equal(highlightLanguage('typescriptreact'), 'typescript');
      assert.equal(highlightLanguage('shellscript'), 'bash');
      assert.equal(highlightLanguage('TSX'), 'tsx');
      assert.equal(highlightLanguage('no-such-language'), undefined);
    });

    it('escapes a fence in an unknown language and still labels it', () => {
      const html = renderMarkdown('```brainfudge\n<a> & <b>\n```');
      assert.match(html, /<span class="code-lang">brainfudge<\/span>/);
      assert.match(html, /<code class="hljs">&lt;a&gt; &amp; &lt;b&gt;\n<\/code>/);
    });

    it('highlights an untagged fence in the default language (the explained code\'s)', () => {
      const html = renderMarkdown('```\nreturn None\n```', { defaultLanguage: 'python' });
      assert.match(html, /language-python/);
      assert.match(html, /hljs-keyword">return</);
      assert.doesNotMatch(html, /code-lang/, 'no tag to show');
      assert.match(renderMarkdown('```\nreturn None\n```'), /<code class="hljs">return None/);
    });

    it('renders an unclosed fence mid-stream as a code block to the end of the text', () => {
      const partial = 'The loop:\n\n```js\nfor (let i = 0; i < n; i++) {\n  total += i;\n';
      const html = renderMarkdown(partial, { streaming: true });
      assert.match(html, /<p>The loop:<\/p>/);
      assert.match(html, /<code class="hljs language-js">/);
      assert.match(html, /total \+= i;\n<\/code><\/pre><\/div>\n$/);
      assert.match(html, /<span class="hljs-keyword">let<\/span>/);
      // the text after the block is not swallowed once the fence closes
      const closed = renderMarkdown(`${partial}}\n\`\`\`\n\nSo it sums.`, { streaming: true });
      assert.match(closed, /<p>So it sums\.<\/p>/);
    });

    it('holds back a fence line still being typed while streaming', () => {
      // the tag is not complete yet: no block labelled "ty" flickering into "typescript"
      assert.equal(renderMarkdown('Code:\n```ty', { streaming: true }), '<p>Code:</p>\n');
      // the first backticks of a closing fence do not show inside the code
      const html = renderMarkdown('```ts\nlet a = 1;\n``', { streaming: true });
      assert.match(html, /let<\/span> a = <span class="hljs-number">1<\/span>;\n<\/code>/);
      assert.doesNotMatch(html, /``/);
      // a whole line of prose that merely starts with inline code is not held back
      assert.match(renderMarkdown('`x` is the count', { streaming: true }), /<code>x<\/code> is the count/);
      // once the text is complete, everything shows
      assert.match(renderMarkdown('Code:\n```ty'), /code-lang">ty</);
    });

    it('renders indented code in the same frame, unhighlighted', () => {
      const html = renderMarkdown('Text\n\n    if (x) { y(); }\n');
      assert.match(html, /<div class="code-block">.*<code class="hljs">if \(x\) \{ y\(\); \}\n<\/code>/s);
    });

    it('renders the explained code highlighted in its language', () => {
      const html = renderCode('def f(x):\n    return x', 'python');
      assert.match(html, /language-python/);
      assert.match(html, /hljs-keyword">def</);
      assert.match(html, /return<\/span> x\n<\/code>/);
      assert.match(renderCode('<b>', 'no-such-language'), /&lt;b&gt;/);
    });

    it('renders the same highlighted HTML from its cache as fresh', () => {
      const markdown = '```go\nfunc main() { fmt.Println("hi") }\n```\n';
      assert.equal(renderMarkdown(markdown), renderMarkdown(markdown));
    });
  });
});
