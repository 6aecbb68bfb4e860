import type { KvCache } from './kvCache';

/**
 * KV caches kept between requests with a bound on their memory. Each (model, role) pair has a
 * slot of its own, so a chat request on the completion model leaves the completion's cached
 * prefix alone, and the other way round. When the slots together would pass the bound, the
 * least recently used ones that no generation holds are emptied first.
 */
export class KvSlots {
  private readonly slots = new Map<string, { cache: KvCache; bytesPerToken: number; held: number; usedAt: number }>();
  private clock = 0;

  constructor(private readonly budgetBytes: number) {}

  /**
   * The cache of slot `key` (made by `create` the first time), held until release(). `tokens`:
   * how long it may grow in this request, so room is made for it beforehand.
   */
  acquire(key: string, create: () => KvCache, bytesPerToken: number, tokens: number): KvCache {
    let slot = this.slots.get(key);
    if (!slot) this.slots.set(key, (slot = { cache: create(), bytesPerToken, held: 0, usedAt: 0 }));
    slot.held++;
    slot.usedAt = ++this.clock;
    const need = Math.max(0, tokens - slot.cache.length) * bytesPerToken;
    const idle = [...this.slots.values()].filter((s) => s.held === 0 && s.cache.length > 0).sort((a, b) => a.usedAt - b.usedAt);
    for (const s of idle) {
      if (this.bytes + need <= this.budgetBytes) break;
      s.cache.reset();
    }
    return slot.cache;
  }

  release(key: string): void {
    const slot = this.slots.get(key);
    if (slot) slot.held--;
  }

  /** Drops the slots whose keys start with `prefix` (a model being closed). */
  drop(prefix: string): void {
    for (const key of [...this.slots.keys()]) if (key.startsWith(prefix)) this.slots.delete(key);
  }

  /** Bytes the cached positions of every slot take. */
  get bytes(): number {
    let total = 0;
    for (const s of this.slots.values()) total += s.cache.length * s.bytesPerToken;
    return total;
  }
}
