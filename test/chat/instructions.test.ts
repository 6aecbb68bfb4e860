import * as assert from 'node:assert/strict';
import { MAX_RECENT, PRESETS, RecentInstructions } from '../../src/chat/instructions';

describe('Refactor instructions', () => {
  it('remembers typed instructions, most recent first, once each, at most MAX_RECENT', () => {
    let stored: readonly string[] = [];
    const recent = new RecentInstructions({ get: () => stored, set: (v) => void (stored = v) });
    recent.remember('use a dict comprehension');
    recent.remember('  inline the helper ');
    recent.remember('use a dict comprehension');
    recent.remember(PRESETS[0].instruction);
    recent.remember('   ');
    assert.deepEqual(recent.list(), ['use a dict comprehension', 'inline the helper']);
    for (let i = 0; i < 20; i++) recent.remember(`instruction ${i}`);
    assert.equal(recent.list().length, MAX_RECENT);
    assert.equal(recent.list()[0], 'instruction 19');
  });

  it('survives a corrupted store', () => {
    const recent = new RecentInstructions({ get: () => 'oops' as unknown as string[], set: () => undefined });
    assert.deepEqual(recent.list(), []);
  });

  it('has exactly one insert-only preset: the doc comment', () => {
    assert.deepEqual(PRESETS.filter((p) => p.insertOnly).map((p) => p.label), ['Add a doc comment']);
  });
});
