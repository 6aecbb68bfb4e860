import * as assert from 'node:assert/strict';
import { MINIFIED_LINE_CHARS } from '../../src/shared/minified';
import { skipReason, type RequestFacts } from '../../src/ui/skipReason';
import { readSettings } from '../../src/settings/settings';

describe('skipReason', () => {
  const settings = readSettings({ get: (key: string) => (key === 'enabledLanguages' ? { '*': true, markdown: false } : undefined) as never }).settings;
  const code: RequestFacts = { scheme: 'file', writable: true, languageId: 'typescript', sizeBytes: 20_000, line: 'const x = ' };
  const cases: [string, Partial<RequestFacts>, boolean, RegExp | undefined][] = [
    ['an ordinary file', {}, false, undefined],
    ['an untitled document', { scheme: 'untitled' }, false, undefined],
    ['a notebook cell', { scheme: 'vscode-notebook-cell', languageId: 'python' }, false, undefined],
    ['a file of a virtual workspace (GitHub Repositories)', { scheme: 'vscode-vfs' }, false, undefined],
    ['the user settings.json', { scheme: 'vscode-userdata', languageId: 'jsonc' }, false, undefined],
    ['paused', {}, true, /paused/],
    ['a disabled language', { languageId: 'markdown' }, false, /disabled for markdown/],
    ['the output pane', { scheme: 'output' }, false, /not a code document/],
    ['a git diff (virtual document)', { scheme: 'git' }, false, /not a code document/],
    ['a read-only file system', { writable: false }, false, /read-only/],
    ['a file over the size limit', { sizeBytes: 2 * 1024 * 1024 }, false, /larger than 1024 KB/],
    ['a 1 MB single-line minified file', { line: 'x'.repeat(1_000_000) }, false, /minified/],
    ['a line just under the limit', { line: 'x'.repeat(MINIFIED_LINE_CHARS) }, false, undefined],
    ['binary content', { line: 'PK\u0003\u0004\u0000\u0000' }, false, /binary/],
  ];
  for (const [name, facts, paused, expected] of cases) {
    it(name, () => {
      const reason = skipReason({ ...code, ...facts }, settings, paused);
      if (expected) assert.match(reason ?? '', expected);
      else assert.equal(reason, undefined);
    });
  }

  it('serves nothing when disabled in settings', () => {
    const off = readSettings({ get: (key: string) => (key === 'enabled' ? false : undefined) as never }).settings;
    assert.match(skipReason(code, off, false) ?? '', /disabled in settings/);
  });
});
