/** Deterministic prompts of ordinary (non-special) token ids, the same for both engines. */
export function promptIds(length: number, seed = 12345, vocab = 151643): number[] {
  const out: number[] = [];
  let x = seed >>> 0 || 1;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.push(x % vocab);
  }
  return out;
}
