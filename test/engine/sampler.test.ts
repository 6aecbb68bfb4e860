import * as assert from 'node:assert/strict';
import { argmax, Sampler } from '../../src/engine/sampler';

describe('Sampler', () => {
  const logits = Float32Array.from([0.1, 2.5, -1, 2.4, 0]);

  it('is greedy without a temperature', () => {
    assert.equal(argmax(logits), 1);
    assert.equal(new Sampler().sample(logits), 1);
    assert.equal(new Sampler({ temperature: 0 }).sample(logits), 1);
  });

  it('reproduces the same tokens with the same seed, and other tokens with another', () => {
    const draw = (seed: number) => {
      const s = new Sampler({ temperature: 1.5, seed });
      return Array.from({ length: 40 }, () => s.sample(logits));
    };
    assert.deepEqual(draw(7), draw(7));
    assert.notDeepEqual(draw(7), draw(8));
  });

  it('keeps only the nucleus with top-p and the k best with top-k', () => {
    const nucleus = new Sampler({ temperature: 1, topP: 0.5, topK: 0 }).distribution(logits);
    assert.deepEqual(nucleus.map(([id]) => id), [1, 3]);
    assert.ok(Math.abs(nucleus.reduce((s, [, p]) => s + p, 0) - 1) < 1e-9);
    const top2 = new Sampler({ temperature: 1, topK: 2 }).distribution(logits);
    assert.deepEqual(top2.map(([id]) => id), [1, 3]);
  });

  it('draws in proportion to the softmax', () => {
    const s = new Sampler({ temperature: 1, topK: 0, seed: 1 });
    const two = Float32Array.from([0, Math.log(3)]); // p = 0.25 / 0.75
    let ones = 0;
    const n = 20000;
    for (let i = 0; i < n; i++) ones += s.sample(two);
    assert.ok(Math.abs(ones / n - 0.75) < 0.015, `share ${ones / n}`);
  });

  it('samples within the vocabulary slice it is given', () => {
    const wide = Float32Array.from([9, 9, 0, 1, 0.5]);
    assert.equal(new Sampler().sample(wide, 2, 3), 1);
  });
});
