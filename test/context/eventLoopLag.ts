/**
 * Measures how late setTimeout(0) callbacks run while something works in the background: the
 * longest delay is how long the event loop (typing, in the extension host) was held.
 *
 * Each delay counts only the CPU time this process used meanwhile: on a shared machine the
 * process can be descheduled for 100 ms at any moment, which says nothing about the code under
 * test (a loop held by our own work burns CPU all along).
 */
export function probeEventLoop(): { stop(): Promise<{ max: number; p99: number; wallMax: number }> } {
  const held: number[] = [];
  let wallMax = 0;
  let done = false;
  const probe = (async () => {
    while (!done) {
      const t = performance.now();
      const cpu = process.cpuUsage();
      await new Promise((r) => setTimeout(r, 0));
      const wall = performance.now() - t;
      const used = process.cpuUsage(cpu);
      wallMax = Math.max(wallMax, wall);
      held.push(Math.min(wall, (used.user + used.system) / 1000));
    }
  })();
  return {
    async stop() {
      done = true;
      await probe;
      held.sort((a, b) => a - b);
      return { max: held[held.length - 1] ?? 0, p99: held[Math.floor(held.length * 0.99)] ?? 0, wallMax };
    },
  };
}
