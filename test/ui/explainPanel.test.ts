// ExplainPanel against a small fake of the `vscode` API (webview panels, events, the clipboard):
// how conversations share the one panel, when onStop / onFollowUp / onDidDispose fire, and what
// the webview is sent. The webview side itself is in explainWebview.test.ts.
import * as assert from 'node:assert/strict';
import type * as PanelModule from '../../src/ui/explainPanel';
import type { FromWebview, ToWebview } from '../../src/ui/explainProtocol';

class FakeEmitter<T> {
  private listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void) => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const l of [...this.listeners]) l(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

interface FakePanel {
  title: string;
  options: { enableScripts: boolean; localResourceRoots: { path: string }[] };
  showOptions: unknown;
  html: string;
  posted: ToWebview[];
  reveals: unknown[][];
  disposed: boolean;
  /** A message from the webview's script. */
  send(message: FromWebview): void;
  /** The user closes the tab. */
  close(): void;
}

const created: FakePanel[] = [];
const clipboard: string[] = [];

function fakeUri(path: string) {
  return { path, toString: () => `vscode-webview://fake${path}` };
}

const fakeVscode = {
  EventEmitter: FakeEmitter,
  ViewColumn: { Beside: -2 },
  Uri: { joinPath: (base: { path: string }, ...parts: string[]) => fakeUri([base.path, ...parts].join('/')) },
  env: { clipboard: { writeText: async (text: string) => void clipboard.push(text) } },
  window: {
    createWebviewPanel(_viewType: string, title: string, showOptions: unknown, options: FakePanel['options']) {
      const received = new FakeEmitter<unknown>();
      const disposed = new FakeEmitter<void>();
      const panel = {
        title,
        options,
        showOptions,
        posted: [] as ToWebview[],
        reveals: [] as unknown[][],
        disposed: false,
        send: (message: FromWebview) => received.fire(message),
        close: () => panel.dispose(),
        reveal: (...args: unknown[]) => void panel.reveals.push(args),
        onDidDispose: disposed.event,
        dispose() {
          if (panel.disposed) return;
          panel.disposed = true;
          disposed.fire();
        },
        webview: {
          html: '',
          cspSource: 'vscode-webview://fake',
          asWebviewUri: (uri: unknown) => uri,
          onDidReceiveMessage: received.event,
          postMessage: async (message: ToWebview) => {
            panel.posted.push(message);
            return true;
          },
        },
        get html() {
          return panel.webview.html;
        },
      };
      created.push(panel);
      return panel;
    },
  },
};

const SUBJECT = { path: 'src/a.ts', startLine: 1, endLine: 3, languageId: 'typescript', code: 'let a = 1;' };
const FIGURES = { timeToFirstTokenMs: 100, tokensPerSecond: 20, newTokens: 4, totalMs: 300 };

describe('ExplainPanel', () => {
  let ExplainPanel: typeof PanelModule.ExplainPanel;
  const extensionUri = fakeUri('/ext') as never;

  before(() => {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const Module = require('node:module') as { _load: (request: string, ...rest: unknown[]) => unknown };
    const load = Module._load;
    Module._load = (request: string, ...rest: unknown[]) => (request === 'vscode' ? fakeVscode : load(request, ...rest));
    try {
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      ExplainPanel = (require('../../src/ui/explainPanel') as typeof PanelModule).ExplainPanel;
    } finally {
      Module._load = load;
    }
  });

  afterEach(() => {
    for (const p of created) p.close();
    created.length = 0;
    clipboard.length = 0;
  });

  /** Records a panel's events. */
  function listen(panel: PanelModule.ExplainPanel) {
    const events: string[] = [];
    panel.onStop(() => events.push('stop'));
    panel.onFollowUp((q) => events.push(`followUp:${q}`));
    panel.onDidDispose(() => events.push('dispose'));
    return events;
  }

  it('creates one webview beside the editor with scripts on and only media/ to load from', () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain parse');
    assert.equal(created.length, 1);
    const [fake] = created;
    assert.equal(fake.title, 'Explain parse');
    assert.deepEqual(fake.showOptions, { viewColumn: -2, preserveFocus: true });
    assert.equal(fake.options.enableScripts, true);
    assert.deepEqual(fake.options.localResourceRoots.map((u) => u.path), ['/ext/media']);
    assert.match(fake.html, /script-src 'nonce-[A-Za-z0-9+/=]+'/);
    assert.match(fake.html, /src="vscode-webview:\/\/fake\/ext\/media\/explain\.js"/);
    panel.dispose();
    assert.ok(fake.disposed);
  });

  it('sends the whole conversation when the webview says ready', () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain');
    const [fake] = created;
    panel.begin(SUBJECT);
    panel.startAnswer();
    panel.append('Hi');
    fake.posted.length = 0;
    fake.send({ type: 'ready' });
    const [reset] = fake.posted;
    assert.ok(reset.type === 'reset');
    assert.equal(reset.subject?.path, 'src/a.ts');
    assert.deepEqual(reset.turns.map((t) => [t.html, t.state]), [['<p>Hi</p>\n', 'streaming']]);
  });

  it('fires onStop once per answer, and only while one streams', () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain');
    const events = listen(panel);
    const [fake] = created;
    fake.send({ type: 'stop' });
    assert.deepEqual(events, [], 'nothing to stop');
    panel.begin(SUBJECT);
    panel.startAnswer();
    fake.send({ type: 'stop' });
    fake.send({ type: 'stop' });
    assert.deepEqual(events, ['stop']);
    panel.finish(FIGURES, true);
    panel.startAnswer('again?');
    fake.send({ type: 'stop' });
    assert.deepEqual(events, ['stop', 'stop']);
  });

  it('passes follow-ups on, trimmed, but not while an answer streams', () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain');
    const events = listen(panel);
    const [fake] = created;
    panel.begin(SUBJECT);
    panel.startAnswer();
    fake.send({ type: 'followUp', text: 'too early' });
    panel.finish(FIGURES, false);
    fake.send({ type: 'followUp', text: '  why?  ' });
    fake.send({ type: 'followUp', text: '   ' });
    assert.deepEqual(events, ['followUp:why?']);
  });

  it('stops and ends the conversation when the user closes the panel mid-answer', () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain');
    const events = listen(panel);
    panel.begin(SUBJECT);
    panel.startAnswer();
    created[0].close();
    assert.deepEqual(events, ['stop', 'dispose']);
    panel.append('ignored');
    panel.dispose();
    // a new show() creates a new panel
    ExplainPanel.show(extensionUri, 'Explain');
    assert.equal(created.length, 2);
  });

  it('reuses the panel for the next conversation; the previous one ends (stop, dispose) and goes quiet', () => {
    const first = ExplainPanel.show(extensionUri, 'Explain a');
    const firstEvents = listen(first);
    first.begin(SUBJECT);
    first.startAnswer();
    first.append('partial');
    const [fake] = created;

    const second = ExplainPanel.show(extensionUri, 'Explain b');
    assert.notEqual(second, first);
    assert.equal(created.length, 1, 'the same webview');
    assert.equal(fake.title, 'Explain b');
    assert.deepEqual(fake.reveals, [[undefined, true]], 'revealed where it is, the editor keeping focus');
    assert.deepEqual(firstEvents, ['stop', 'dispose']);
    const cleared = fake.posted.at(-1);
    assert.ok(cleared?.type === 'reset' && cleared.turns.length === 0 && !cleared.subject, 'the old conversation is cleared');

    const secondEvents = listen(second);
    second.begin({ ...SUBJECT, path: 'src/b.ts' });
    second.startAnswer();
    fake.posted.length = 0;
    first.append('late text from the first generation');
    first.finish(FIGURES, false);
    first.dispose();
    assert.deepEqual(fake.posted, [], 'the first conversation no longer reaches the webview');
    assert.equal(fake.disposed, false, 'nor closes it');
    fake.send({ type: 'stop' });
    assert.deepEqual(firstEvents, ['stop', 'dispose']);
    assert.deepEqual(secondEvents, ['stop']);
    second.dispose();
    assert.ok(fake.disposed);
    assert.deepEqual(secondEvents, ['stop', 'dispose']);
  });

  it('copies an answer as its Markdown and a code block as its text', async () => {
    const panel = ExplainPanel.show(extensionUri, 'Explain');
    const [fake] = created;
    panel.begin(SUBJECT);
    panel.startAnswer();
    panel.append('**Bold** and `code`');
    panel.finish(FIGURES, false);
    fake.send({ type: 'copyAnswer', turn: 0 });
    fake.send({ type: 'copyAnswer', turn: 5 });
    fake.send({ type: 'copyCode', text: 'let a = 1;\n' });
    fake.send({ type: 'copyCode' } as never);
    await Promise.resolve();
    assert.deepEqual(clipboard, ['**Bold** and `code`', 'let a = 1;\n']);
  });
});
