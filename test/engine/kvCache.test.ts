import * as assert from 'node:assert/strict';
import type { GraphContract } from '../../src/engine/contract';
import { KvCache } from '../../src/engine/kvCache';
import { Tensor } from '../../src/engine/session';

const HEADS = 3;
const HEAD_DIM = 2;
const contract = {
  kv: [{ pastKey: 'past.0.key', pastValue: 'past.0.value', presentKey: 'present.0.key', presentValue: 'present.0.value' }],
  kvDtype: 'float32',
  kvHeads: HEADS,
  headDim: HEAD_DIM,
} as GraphContract;

/** A [1, heads, length, headDim] tensor whose every value encodes its (head, position, dim). */
function present(length: number, salt: number): Tensor {
  const data = new Float32Array(HEADS * length * HEAD_DIM);
  for (let h = 0; h < HEADS; h++) for (let p = 0; p < length; p++) for (let d = 0; d < HEAD_DIM; d++) data[(h * length + p) * HEAD_DIM + d] = salt + h * 100 + p * 10 + d;
  return new Tensor('float32', data, [1, HEADS, length, HEAD_DIM]);
}

describe('KvCache', () => {
  it('truncates every head to its first positions, in the [1, heads, length, headDim] layout', () => {
    const cache = new KvCache(contract);
    cache.append({ 'present.0.key': present(5, 0), 'present.0.value': present(5, 0.5) }, [1, 2, 3, 4, 5]);
    cache.truncate(3);
    assert.deepEqual(cache.tokens, [1, 2, 3]);
    for (const [name, salt] of [['past.0.key', 0], ['past.0.value', 0.5]] as const) {
      const t = cache.feeds()[name];
      assert.deepEqual(t.dims, [1, HEADS, 3, HEAD_DIM]);
      assert.deepEqual(Array.from(t.data as Float32Array), Array.from(present(3, salt).data as Float32Array));
    }
    // A second rollback works on the first one's result.
    cache.truncate(1);
    assert.deepEqual(Array.from(cache.feeds()['past.0.key'].data as Float32Array), Array.from(present(1, 0).data as Float32Array));
  });

  it('keeps everything when asked for its length or more, empties at 0, and frees its buffers on reset', () => {
    const cache = new KvCache(contract);
    cache.append({ 'present.0.key': present(2, 0), 'present.0.value': present(2, 0) }, [7, 8]);
    cache.truncate(2);
    assert.equal(cache.length, 2);
    cache.truncate(0);
    assert.equal(cache.length, 0);
    assert.deepEqual(cache.feeds()['past.0.key'].dims, [1, HEADS, 0, HEAD_DIM]);
    assert.ok((cache.feeds()['past.0.key'].data as Float32Array).buffer.byteLength > 0, 'truncate keeps the buffers for the next prompt');
    cache.reset();
    assert.deepEqual(cache.feeds()['past.0.key'].dims, [1, HEADS, 0, HEAD_DIM]);
    assert.equal((cache.feeds()['past.0.key'].data as Float32Array).buffer.byteLength, 0, 'reset frees them');
  });
});

describe('KvCache appends', () => {
  /** Rows [from, from + n) of present(length, salt), as a sliced output ([1, heads, n, headDim]) holds them. */
  const rows = (from: number, n: number, salt: number) => {
    const whole = present(from + n, salt).data as Float32Array;
    const data = new Float32Array(HEADS * n * HEAD_DIM);
    for (let h = 0; h < HEADS; h++) data.set(whole.subarray((h * (from + n) + from) * HEAD_DIM, (h + 1) * (from + n) * HEAD_DIM), h * n * HEAD_DIM);
    return new Tensor('float32', data, [1, HEADS, n, HEAD_DIM]);
  };

  it('appends the fed positions of sliced outputs, growing its buffers, to what whole outputs give', () => {
    const sliced = new KvCache(contract);
    const whole = new KvCache(contract);
    let length = 0;
    // A prefill in two chunks, then single steps past the first growth of the buffers, then a rollback and more steps.
    for (const n of [200, 150, ...Array(120).fill(1), -5, 1, 1, 300]) {
      if (n < 0) {
        length += n;
        sliced.truncate(length);
        whole.truncate(length);
        continue;
      }
      const fed = Array.from({ length: n }, (_, i) => length + i);
      sliced.append({ 'present.0.key': rows(length, n, 0), 'present.0.value': rows(length, n, 0.5) }, fed);
      whole.append({ 'present.0.key': present(length + n, 0), 'present.0.value': present(length + n, 0.5) }, fed);
      length += n;
      const got = sliced.feeds()['past.0.key'];
      assert.deepEqual(got.dims, [1, HEADS, length, HEAD_DIM]);
      assert.deepEqual(Array.from(got.data as Float32Array), Array.from(present(length, 0).data as Float32Array), `after ${length} positions`);
      assert.deepEqual(Array.from(whole.feeds()['past.0.value'].data as Float32Array), Array.from(present(length, 0.5).data as Float32Array));
    }
    assert.equal(sliced.length, 767);
  });
});

describe('KvCache blocks (shifted reuse)', () => {
  it('copies positions out of every head and appends them after the cached ones', () => {
    const cache = new KvCache(contract);
    cache.append({ 'present.0.key': present(5, 0), 'present.0.value': present(5, 0.5) }, [1, 2, 3, 4, 5]);
    const block = cache.copyOut(3, 2);
    assert.deepEqual(block.tokens, [4, 5]);
    cache.truncate(1);
    cache.appendBlock(block, 0);
    assert.deepEqual(cache.tokens, [1, 4, 5]);
    const key = cache.feeds()['past.0.key'];
    assert.deepEqual(key.dims, [1, HEADS, 3, HEAD_DIM]);
    // Head h keeps position 0, then old positions 3 and 4: values salt + h*100 + p*10 + d.
    const expected: number[] = [];
    for (let h = 0; h < HEADS; h++) for (const p of [0, 3, 4]) for (let d = 0; d < HEAD_DIM; d++) expected.push(h * 100 + p * 10 + d);
    assert.deepEqual(Array.from(key.data as Float32Array), expected);
    assert.equal((cache.feeds()['past.0.value'].data as Float32Array)[HEAD_DIM], 0.5 + 30);
  });
});
