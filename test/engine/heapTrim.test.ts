import * as assert from 'node:assert/strict';
import { Engine } from '../../src/engine/engine';
import { trimHeap } from '../../src/engine/heapTrim';
import { ENGINE_CACHE, tinyModel } from '../support/tinyModels';

/** A released model's memory goes back to the system (glibc's malloc_trim through koffi; nothing elsewhere). */
describe('heap trim after a release', function () {
  this.timeout(120_000);

  it('trims the C heap on Linux and does nothing elsewhere', function () {
    const said = trimHeap();
    if (process.platform !== 'linux') return assert.equal(said, undefined);
    assert.match(said ?? '', /^heap trimmed in \d+ ms/);
  });

  it('says so once a model is released, not while another role still uses it', async function () {
    const lines: string[] = [];
    const engine = new Engine(undefined, (line) => lines.push(line));
    try {
      const first = await tinyModel('gqa', 'q4');
      const second = await tinyModel('standard', 'q4');
      const load = (role: 'completion' | 'chat', modelDir: string) => engine.load({ role, modelDir, device: 'cpu', threads: 1, cacheDir: ENGINE_CACHE });
      await load('completion', first);
      await load('chat', first);
      await engine.unload('chat');
      assert.deepEqual(lines, [], 'the completion role still uses the model');
      await load('completion', second);
      if (process.platform !== 'linux') return assert.deepEqual(lines, []);
      assert.equal(lines.length, 1, lines.join('\n'));
      assert.match(lines[0], /^released .+; heap trimmed in \d+ ms/);
    } finally {
      await engine.dispose();
    }
  });
});
