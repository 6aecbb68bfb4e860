/**
 * Keystroke-to-completion latency on the Qwen2.5-Coder-0.5B shape (q4): a 1,024-token FIM
 * prompt and 16 new tokens, cold (nothing cached) and warm (one character typed since the last
 * request, so the worker reuses the KV cache up to the cursor). Target (issue 4): warm latency at
 * most 1.5x the time of its 16 decode steps alone. Medians of interleaved runs.
 *
 *   npx tsx test/bench/latency.ts [--runs N] [--size qwen2.5-coder-0.5b|tiny]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedModel } from '../../src/engine/loadModel';
import type { FimInput } from '../../src/prompt/fimPrompt';
import { FimCompleter } from '../../src/worker/fimCompleter';
import { ensureTestModel, type ModelSize } from '../modelgen/testModels';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => process.argv[process.argv.indexOf(name) + 1];
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** Real code from an installed package as the file being edited. */
function sourceText(): string {
  const file = path.join(ROOT, 'node_modules/typescript/lib/typescript.js');
  return fs.readFileSync(file, 'utf8').split('\n').slice(20_000, 20_600).join('\n');
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 5;
  const size = (process.argv.includes('--size') ? arg('--size') : 'qwen2.5-coder-0.5b') as ModelSize;
  const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  const model = await LoadedModel.load({ modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') });
  const completer = new FimCompleter(model);
  const lines = sourceText().split('\n');
  const cursorLine = 500;
  const budget = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 0 };
  const input = (typed: string): FimInput => ({
    prefix: lines.slice(0, cursorLine).join('\n') + '\n    const value = ' + typed,
    prefixStartLine: 0,
    suffix: '\n' + lines.slice(cursorLine, cursorLine + 40).join('\n'),
    filePath: 'src/compiler/checker.ts',
  });
  const complete = (typed: string) => completer.complete({ input: input(typed), budget, maxNewTokens: 16, stopStrings: [] }, () => undefined, new AbortController().signal);

  const cold: number[] = [];
  const warm: number[] = [];
  const warmDecode: number[] = [];
  const reused: number[] = [];
  let promptTokens = 0;
  await complete('x'); // warm-up: first-run allocations
  for (let i = 0; i < runs; i++) {
    // Cold: a prompt that shares nothing with the cache.
    model.generate({ promptIds: [0], maxNewTokens: 1 }).catch(() => undefined);
    const c = await complete(`a${i}`);
    cold.push(c.timings.totalMs + c.prompt.buildMs);
    promptTokens = c.timings.promptTokens;
    // Warm: one more character typed.
    const w = await complete(`a${i}b`);
    warm.push(w.timings.totalMs + w.prompt.buildMs);
    warmDecode.push((w.timings.decodeMs / Math.max(1, w.timings.newTokens - 1)) * 16);
    reused.push(w.timings.reusedTokens);
  }
  await model.dispose();
  const w = median(warm);
  const d = median(warmDecode);
  console.log(`\n## Keystroke to completion, ${size} q4, ${promptTokens}-token prompt, 16 new tokens (medians of ${runs})\n`);
  console.log('| figure | value |');
  console.log('| --- | --- |');
  console.log(`| cold (no reuse) | ${median(cold).toFixed(0)} ms |`);
  console.log(`| warm (one character typed) | ${w.toFixed(0)} ms |`);
  console.log(`| prompt tokens reused when warm | ${median(reused)} of ${promptTokens} |`);
  console.log(`| 16 decode steps alone | ${d.toFixed(0)} ms |`);
  console.log(`| warm / 16 decode steps | ${(w / d).toFixed(2)}x (target <= 1.5x) |`);
}

void main();
