import * as assert from 'node:assert/strict';
import { truncateAtLoop } from '../../../src/completion/postprocess/truncateAtLoop';
import { lines } from './atCursor';

describe('truncateAtLoop', () => {
  it('cuts at a line repeated right after itself', () => {
    assert.equal(truncateAtLoop(lines('a = 1', 'log(a)', 'log(a)', 'log(a)'), ''), lines('a = 1', 'log(a)'));
  });
  it('cuts at a repeated pair of lines', () => {
    assert.equal(truncateAtLoop(lines('x += 1', 'y += 2', 'x += 1', 'y += 2'), ''), lines('x += 1', 'y += 2'));
  });
  it('counts the text before the cursor into the first line', () => {
    assert.equal(truncateAtLoop(lines('(item);', '  push(item);'), '  push'), '(item);');
  });
  it('keeps closers and short lines that repeat in real code', () => {
    const nested = lines('      }', '    }', '  }', '}');
    assert.equal(truncateAtLoop(nested, ''), nested);
    assert.equal(truncateAtLoop(lines('i++;', 'i++;'), ''), lines('i++;', 'i++;'));
  });
  it('the same text at another indentation is not a loop', () => {
    const text = lines('if (a) {', '  break;', '}', 'break;');
    assert.equal(truncateAtLoop(text, ''), text);
  });
});
