import * as assert from 'node:assert/strict';
import { MIN_SHIFTED_RUN, planDrift, planReuse } from '../../src/engine/reusePlan';

const range = (from: number, n: number) => Array.from({ length: n }, (_, i) => from + i);
/** A FIM-shaped prompt: prefix, the edited tokens, the suffix, the middle marker. */
const PREFIX = range(100, 30);
const SUFFIX = range(500, 40);
const MIDDLE = 9;

describe('planReuse', () => {
  it('keeps only the common prefix without shifting, and always feeds the last token', () => {
    const cached = [...PREFIX, 1, ...SUFFIX, MIDDLE, 77, 78];
    const prompt = [...PREFIX, 2, 3, ...SUFFIX, MIDDLE];
    assert.deepEqual(planReuse(cached, prompt, { shifted: false, feedLast: true }), { keep: 30, steps: [{ feed: prompt.slice(30) }] });
    // The whole prompt cached: its last token still runs, for logits.
    assert.deepEqual(planReuse(prompt, prompt, { shifted: false, feedLast: true }), { keep: prompt.length - 1, steps: [{ feed: [MIDDLE] }] });
    assert.deepEqual(planReuse(prompt, prompt, { shifted: false, feedLast: false }), { keep: prompt.length, steps: [] });
  });

  it('after typing at the cursor, feeds the new tokens and moves the suffix (with its marker) to its new place', () => {
    const cached = [...PREFIX, 1, ...SUFFIX, MIDDLE, 77, 78];
    const prompt = [...PREFIX, 2, 3, ...SUFFIX, MIDDLE];
    assert.deepEqual(planReuse(cached, prompt, { shifted: true, feedLast: true }), {
      keep: 30,
      steps: [{ feed: [2, 3] }, { copy: { from: 31, to: 32, length: 40 } }, { feed: [MIDDLE] }],
    });
  });

  it('after a deletion and a cut at the window start, moves the runs back (the shift may be negative)', () => {
    const cached = [0, ...PREFIX, 1, 2, 3, ...SUFFIX, MIDDLE];
    // The first 10 prefix tokens fell out of the window; two typed tokens were deleted.
    const prompt = [0, ...PREFIX.slice(10), 1, ...SUFFIX, MIDDLE];
    assert.deepEqual(planReuse(cached, prompt, { shifted: true, feedLast: true }).steps, [
      { copy: { from: 11, to: 1, length: 21 } },
      { copy: { from: 34, to: 22, length: 40 } },
      { feed: [MIDDLE] },
    ]);
  });

  it(`moves no run shorter than ${MIN_SHIFTED_RUN} tokens, and takes runs in cache order`, () => {
    const short = range(500, MIN_SHIFTED_RUN - 1);
    assert.deepEqual(planReuse([...PREFIX, 1, ...short, MIDDLE], [...PREFIX, 2, ...short, MIDDLE], { shifted: true, feedLast: true }).steps, [{ feed: [2, ...short, MIDDLE] }]);
    // Two runs swapped: only the first found in prompt order can be moved, the other is fed.
    const a = range(200, 20);
    const b = range(300, 20);
    const steps = planReuse([5, ...a, ...b, 6], [5, 7, ...b, ...a, 6], { shifted: true, feedLast: true }).steps;
    assert.deepEqual(steps, [{ feed: [7] }, { copy: { from: 21, to: 2, length: 20 } }, { feed: [...a, 6] }]);
  });

  it('with the longest of several matching runs, and none when reuse is off', () => {
    const run = range(700, 24);
    const cached = [1, ...run.slice(0, 18), 2, ...run, 3];
    assert.deepEqual(planReuse(cached, [4, ...run, 3], { shifted: true, feedLast: true }).steps, [{ feed: [4] }, { copy: { from: 20, to: 1, length: 24 } }, { feed: [3] }]);
    assert.deepEqual(planReuse([], [4, ...run, 3], { shifted: true, feedLast: true }), { keep: 0, steps: [{ feed: [4, ...run, 3] }] });
  });

  it('keeps no more than it is allowed to (positions that were moved before, when exactness is asked for)', () => {
    const cached = [...PREFIX, ...SUFFIX, MIDDLE];
    assert.deepEqual(planReuse(cached, [...PREFIX, ...SUFFIX, 8], { shifted: false, feedLast: true, keepAtMost: 35 }).keep, 35);
  });

  it('counts the tokens that changed in front of the moved runs', () => {
    const cached = [...PREFIX, 1, ...SUFFIX, MIDDLE, 77, 78];
    // Two fed, one cached token skipped.
    assert.equal(planDrift(planReuse(cached, [...PREFIX, 2, 3, ...SUFFIX, MIDDLE], { shifted: true, feedLast: true })), 3);
    assert.equal(planDrift(planReuse(cached, [...PREFIX, 2, 3, ...SUFFIX, MIDDLE], { shifted: false, feedLast: true })), 0);
    // Ten dropped at the start, then one fed in place of three.
    assert.equal(planDrift(planReuse([0, ...PREFIX, 1, 2, 3, ...SUFFIX, MIDDLE], [0, ...PREFIX.slice(10), 4, ...SUFFIX, MIDDLE], { shifted: true, feedLast: true })), 10 + 4);
  });
});
