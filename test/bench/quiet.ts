/**
 * This 2-core machine is shared: before each measurement wait until the CPUs are idle
 * (other people's test runs would otherwise land in our medians). Linux only; elsewhere a no-op.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';

function cpuTimes(): { busy: number; total: number } | null {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0];
    const v = line.trim().split(/\s+/).slice(1).map(Number);
    const idle = v[3] + (v[4] ?? 0);
    const total = v.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** Fraction of all CPUs busy over `ms`. */
export async function cpuBusy(ms = 500): Promise<number> {
  const a = cpuTimes();
  await new Promise((r) => setTimeout(r, ms));
  const b = cpuTimes();
  if (!a || !b || b.total === a.total) return 0;
  return (b.busy - a.busy) / (b.total - a.total);
}

/** Waits (up to maxWaitMs) for the machine to be idle; returns the last busy fraction seen. */
export async function waitQuiet(maxWaitMs = 60_000, threshold = 0.15, log?: (s: string) => void): Promise<number> {
  const until = Date.now() + maxWaitMs;
  let busy = await cpuBusy();
  let warned = false;
  while (busy > threshold && Date.now() < until) {
    if (!warned && log) log(`machine busy (${(busy * 100).toFixed(0)}% CPU used by others): waiting`);
    warned = true;
    busy = await cpuBusy(1000);
  }
  return busy;
}

export interface CpuSnapshot {
  busy: number;
  total: number;
  at: number;
}

export function snapshot(): CpuSnapshot | null {
  const t = cpuTimes();
  return t ? { ...t, at: performance.now() } : null;
}

/**
 * Share of the machine's CPU time used by processes other than a child that used `childCpuMs`
 * between two snapshots (0 = nobody else ran).
 */
export function othersShare(a: CpuSnapshot | null, b: CpuSnapshot | null, childCpuMs: number): number {
  if (!a || !b || b.total === a.total) return 0;
  const jiffyMs = (os.cpus().length * (b.at - a.at)) / (b.total - a.total); // CPU-ms per jiffy
  const busyMs = (b.busy - a.busy) * jiffyMs;
  const totalMs = (b.total - a.total) * jiffyMs;
  return Math.max(0, busyMs - childCpuMs) / totalMs;
}
