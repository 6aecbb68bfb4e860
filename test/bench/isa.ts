import * as fs from 'node:fs';

/** The instruction set extensions the figures depend on, as /proc/cpuinfo names them (FACTS.md: machines differ). */
export function isa(): string {
  const flags = fs.readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:.*$/m)?.[0] ?? '';
  return ['avx512f', 'avx512_vnni', 'amx_int8', 'avx2'].filter((f) => new RegExp(`\\b${f}\\b`).test(flags)).join(' ') || 'unknown';
}
