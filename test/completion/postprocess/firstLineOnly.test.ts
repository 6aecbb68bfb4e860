import * as assert from 'node:assert/strict';
import { firstLineOnly } from '../../../src/completion/postprocess/firstLineOnly';

describe('firstLineOnly', () => {
  it('cuts at the first line break', () => assert.equal(firstLineOnly('a();\nb();'), 'a();'));
  it('keeps a single line', () => assert.equal(firstLineOnly('a();'), 'a();'));
  it('keeps a leading line break with the line after it', () => assert.equal(firstLineOnly('\nb();\nc();'), '\nb();'));
});
