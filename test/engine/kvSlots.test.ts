import * as assert from 'node:assert/strict';
import type { KvCache } from '../../src/engine/kvCache';
import { KvSlots } from '../../src/engine/kvSlots';

/** A cache that only counts its positions. */
function fakeCache(length = 0) {
  const cache = { length, reset: () => void (cache.length = 0) };
  return cache as unknown as KvCache & { length: number };
}

describe('KvSlots', () => {
  it('keeps a cache per slot, and empties the least recently used idle ones to stay within the bound', () => {
    const slots = new KvSlots(1000);
    const completion = slots.acquire('m\ncompletion', () => fakeCache(40), 10, 40);
    slots.release('m\ncompletion');
    const chat = slots.acquire('m\nchat', () => fakeCache(50), 10, 50);
    slots.release('m\nchat');
    assert.equal(slots.bytes, 900);
    assert.equal(slots.acquire('m\ncompletion', () => fakeCache(), 10, 40), completion, 'the same cache again: its prefix is reused');
    slots.release('m\ncompletion');
    // Room for 30 more positions is needed: the chat (least recently used) goes, the completion stays.
    const other = slots.acquire('d\ncompletion', () => fakeCache(), 10, 30);
    assert.equal(chat.length, 0);
    assert.equal(completion.length, 40);
    assert.equal(other.length, 0);
  });

  it('never empties a slot a generation holds', () => {
    const slots = new KvSlots(100);
    const held = slots.acquire('m\nchat', () => fakeCache(10), 10, 10);
    slots.acquire('m\ncompletion', () => fakeCache(), 10, 50);
    assert.equal(held.length, 10);
    slots.drop('m\n');
    assert.equal(slots.bytes, 0);
  });
});
