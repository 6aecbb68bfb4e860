/**
 * Keystroke-to-completion latency (issues 4 and 6): a ~1,000-token FIM prompt and 16 new tokens,
 * cold (nothing cached) and warm (one character typed since the last request, so the worker
 * reuses the KV cache up to the cursor), with and without speculation (prompt lookup), on the
 * Qwen2.5-Coder 0.5B and 1.5B shapes (q4). Targets: warm latency at most 1.5x the time of its 16
 * decode steps alone. Medians of interleaved runs; ratios from the same run.
 *
 *   npx tsx test/bench/latency.ts [--runs N] [--sizes qwen2.5-coder-0.5b,qwen2.5-coder-1.5b|tiny]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GenerateRequest } from '../../src/engine/generate';
import { loadEngine } from '../support/loadedEngine';
import type { FimInput } from '../../src/prompt/fimPrompt';
import { FimCompleter } from '../../src/worker/fimCompleter';
import type { CompleteResult } from '../../src/worker/protocol';
import { ensureTestModel, type ModelSize } from '../modelgen/testModels';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Real code from an installed package as the file being edited. */
const LINES = fs.readFileSync(path.join(ROOT, 'node_modules/typescript/lib/typescript.js'), 'utf8').split('\n').slice(20_000, 20_600);
const CURSOR_LINE = 500;
const BUDGET = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 0 };

function input(typed: string): FimInput {
  return {
    prefix: LINES.slice(0, CURSOR_LINE).join('\n') + '\n    const value = ' + typed,
    prefixStartLine: 0,
    suffix: '\n' + LINES.slice(CURSOR_LINE, CURSOR_LINE + 40).join('\n'),
    filePath: 'src/compiler/checker.ts',
  };
}

interface Row {
  cold: number[];
  warm: number[];
  decode16: number[];
  reused: number[];
  accepted: number[];
}

async function measure(size: ModelSize, runs: number): Promise<{ promptTokens: number; rows: Map<string, Row> }> {
  const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  const model = await loadEngine({ modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') });
  const completer = new FimCompleter(model.engine, model.engine.role('completion')!);
  const modes: [string, GenerateRequest['speculation']][] = [['plain', undefined], ['prompt lookup', { promptLookup: true }]];
  const rows = new Map<string, Row>(modes.map(([name]) => [name, { cold: [], warm: [], decode16: [], reused: [], accepted: [] }]));
  const complete = (typed: string, speculation: GenerateRequest['speculation']): Promise<CompleteResult> =>
    completer.complete({ input: input(typed), budget: BUDGET, maxNewTokens: 16, stopStrings: [], speculation }, () => undefined, new AbortController().signal);
  const total = (r: CompleteResult) => r.timings.totalMs + r.prompt.buildMs;
  let promptTokens = 0;
  await complete('warmup', undefined);
  for (let i = 0; i < runs; i++) {
    for (const [name, speculation] of modes) {
      const row = rows.get(name)!;
      await model.generate({ promptIds: [0], maxNewTokens: 1 }); // empty the cache: the next prompt shares nothing
      const cold = await complete(`a${i}`, speculation);
      const warm = await complete(`a${i}b`, speculation);
      promptTokens = cold.timings.promptTokens;
      row.cold.push(total(cold));
      row.warm.push(total(warm));
      row.reused.push(warm.timings.reusedTokens);
      row.accepted.push(warm.speculation?.accepted ?? 0);
      if (name === 'plain') row.decode16.push((warm.timings.decodeMs / Math.max(1, warm.timings.newTokens - 1)) * 16);
    }
  }
  await model.dispose();
  return { promptTokens, rows };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 3;
  const sizes = (arg('--sizes') ?? 'qwen2.5-coder-0.5b,qwen2.5-coder-1.5b').split(',') as ModelSize[];
  console.log(`\n## Keystroke to completion: FIM prompt, 16 new tokens, q4, medians of ${runs} interleaved runs\n`);
  console.log('| model | prompt tokens | mode | cold | warm (1 char typed) | reused when warm | drafts accepted (warm) | warm / 16 plain decode steps |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const size of sizes) {
    const { promptTokens, rows } = await measure(size, runs);
    const decode16 = median(rows.get('plain')!.decode16);
    for (const [mode, row] of rows) {
      console.log(`| ${size} | ${promptTokens} | ${mode} | ${median(row.cold).toFixed(0)} ms | ${median(row.warm).toFixed(0)} ms | ${median(row.reused)} | ${median(row.accepted)} | ${(median(row.warm) / decode16).toFixed(2)}x (target <= 1.5x) |`);
    }
    console.log(`| ${size} | | 16 decode steps alone | | ${decode16.toFixed(0)} ms | | | |`);
  }
}

void main();
