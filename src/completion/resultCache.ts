import { LRUCache } from 'lru-cache';

/**
 * Completions by the text around the cursor, so that undo, moving back, or re-triggering at a
 * place already completed costs no model call. Keyed on the window's edges only: the last 800
 * characters before and 200 after the cursor decide what a small model writes there.
 */
export class ResultCache {
  private readonly cache = new LRUCache<string, string>({ max: 200 });

  private static key(prefix: string, suffix: string): string {
    return `${prefix.slice(-800)}\u0000${suffix.slice(0, 200)}`;
  }

  get(prefix: string, suffix: string): string | undefined {
    return this.cache.get(ResultCache.key(prefix, suffix));
  }

  set(prefix: string, suffix: string, completion: string): void {
    this.cache.set(ResultCache.key(prefix, suffix), completion);
  }

  clear(): void {
    this.cache.clear();
  }
}

/**
 * The suggestion on screen (or the last one finished for a request the user typed past while it
 * generated). When the user types its first characters, the rest is still right: it is served
 * again without asking the model.
 */
export class TypedAhead {
  private shown: { document: string; prefix: string; suffix: string; text: string } | undefined;

  remember(document: string, prefix: string, suffix: string, text: string): void {
    this.shown = { document, prefix, suffix, text };
  }

  /** The rest of the shown suggestion if `prefix` is the shown one plus some of its text. */
  match(document: string, prefix: string, suffix: string): string | undefined {
    const s = this.shown;
    if (!s || s.document !== document || s.suffix !== suffix || !prefix.startsWith(s.prefix)) return undefined;
    const typed = prefix.slice(s.prefix.length);
    if (!typed || !s.text.startsWith(typed) || typed.length >= s.text.length) return undefined;
    return s.text.slice(typed.length);
  }

  clear(): void {
    this.shown = undefined;
  }
}
