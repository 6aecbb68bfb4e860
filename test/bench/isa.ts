import * as fs from 'node:fs';

/** The CPU and the vector extensions that decide both engines' kernels (FACTS.md: machines differ from run to run). */
export function isa(): string {
  const cpuinfo = fs.readFileSync('/proc/cpuinfo', 'utf8');
  const flags = new Set((cpuinfo.match(/^flags\s*:(.*)$/m)?.[1] ?? '').trim().split(/\s+/));
  const shown = ['avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx_vnni', 'avx512_bf16', 'amx_tile', 'amx_int8', 'amx_bf16'].filter((f) => flags.has(f));
  const model = cpuinfo.match(/^model name\s*:(.*)$/m)?.[1]?.trim() ?? 'unknown CPU';
  return `${model}; ${shown.join(' ')}${flags.has('avx512f') ? '' : ' (no AVX-512)'}${flags.has('amx_tile') ? '' : ' (no AMX)'}`;
}
