import * as assert from 'node:assert/strict';
import { debounceDelay, KeystrokeClock } from '../../src/completion/debounce';

describe('debounceDelay', () => {
  const base = { baseMs: 80, gapMs: 300, recentGapMs: 300, atLineEnd: false, explicit: false };
  const cases: [string, Partial<typeof base>, number][] = [
    ['steady typing mid-line', {}, 80],
    ['at the end of a line', { atLineEnd: true }, 40],
    ['after a pause at the end of a line', { atLineEnd: true, gapMs: 1500 }, 20],
    ['typing fast', { recentGapMs: 60 }, 160],
    ['typing fast at a line end', { recentGapMs: 60, atLineEnd: true }, 80],
    ['explicit trigger', { explicit: true, recentGapMs: 60 }, 0],
    ['zero base', { baseMs: 0 }, 0],
  ];
  for (const [name, change, expected] of cases) {
    it(name, () => assert.equal(debounceDelay({ ...base, ...change }), expected));
  }

  it('measures gaps between keystrokes', () => {
    let now = 0;
    const clock = new KeystrokeClock(() => now);
    assert.equal(clock.tick().gapMs, Infinity);
    now = 100;
    clock.tick();
    now = 150;
    const t = clock.tick();
    assert.equal(t.gapMs, 50);
    assert.equal(t.recentGapMs, 75);
  });
});
