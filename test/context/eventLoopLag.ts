/**
 * Measures how late setTimeout(0) callbacks run while something works in the background: the
 * longest delay is how long the event loop (typing, in the extension host) was held.
 */
export function probeEventLoop(): { stop(): Promise<{ max: number; p99: number }> } {
  const lags: number[] = [];
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      await new Promise((r) => setTimeout(r, 0));
      lags.push(performance.now() - t);
    }
  })();
  return {
    async stop() {
      done = true;
      await probe;
      lags.sort((a, b) => a - b);
      return { max: lags[lags.length - 1] ?? 0, p99: lags[Math.floor(lags.length * 0.99)] ?? 0 };
    },
  };
}
