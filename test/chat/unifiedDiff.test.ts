import * as assert from 'node:assert/strict';
import { unifiedDiff } from '../../src/chat/unifiedDiff';

describe('chat/unifiedDiff', () => {
  it('writes git-style headers and one hunk with 3 lines of context', () => {
    const before = 'a\nb\nc\nd\ne\nf\ng\n';
    const after = 'a\nb\nc\nD\ne\nf\ng\n';
    assert.equal(unifiedDiff(before, after, 'src/x.py'), '--- a/src/x.py\n+++ b/src/x.py\n@@ -1,7 +1,7 @@\n a\n b\n c\n-d\n+D\n e\n f\n g\n');
  });

  it('numbers hunks as in the file', () => {
    const head = Array.from({ length: 20 }, (_, i) => `line ${i + 1}`).join('\n');
    const diff = unifiedDiff(`${head}\nold\n`, `${head}\nnew\n`, 'f.ts');
    assert.match(diff, /^@@ -18,4 \+18,4 @@$/m);
  });

  it('marks a last line without a line end', () => {
    assert.match(unifiedDiff('x = 1', 'x = 2', 'a.py'), /-x = 1\n\\ No newline at end of file\n\+x = 2\n\\ No newline at end of file/);
  });

  it('is empty for equal texts', () => assert.equal(unifiedDiff('same\n', 'same\n', 'a.go'), ''));
});
