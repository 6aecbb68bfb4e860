/**
 * Completion latency while a long generation (an explanation) streams on the same model
 * (issue "The house for a second role"): a warm keystroke (one character typed since the last
 * completion, so the completion slot's KV cache is reused) idle, against the same keystroke
 * while a 512-token chat generation runs, and the long generation's throughput with a keystroke
 * every ~1.5 s against alone. Target: completion at most 1.3x idle on 2 cores. The long
 * generation pauses at a step boundary for the completion and resumes from its own KV slot.
 * Medians of interleaved runs; ratios from the same run.
 *
 *   npx tsx test/bench/priority.ts [--runs N] [--size qwen2.5-coder-0.5b|tiny]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GenerateResult } from '../../src/engine/generate';
import type { FimInput } from '../../src/prompt/fimPrompt';
import { FimCompleter } from '../../src/worker/fimCompleter';
import type { CompleteResult } from '../../src/worker/protocol';
import { ensureTestModel, type ModelSize } from '../modelgen/testModels';
import { loadEngine } from '../support/loadedEngine';
import { isa } from './isa';
import { runBench } from './runBench';
import { median } from './stats';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LINES = fs.readFileSync(path.join(ROOT, 'node_modules/typescript/lib/typescript.js'), 'utf8').split('\n').slice(30_000, 30_400);
const BUDGET = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 0 };
const LONG_TOKENS = 512;

function input(typed: string): FimInput {
  return { prefix: LINES.slice(0, 300).join('\n') + '\n    const value = ' + typed, prefixStartLine: 0, suffix: '\n' + LINES.slice(300, 330).join('\n'), filePath: 'src/compiler/parser.ts' };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 5;
  const size = (arg('--size') ?? 'qwen2.5-coder-0.5b') as ModelSize;
  const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  const loaded = await loadEngine({ modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') });
  const { engine } = loaded;
  await engine.load({ role: 'chat', modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') });
  const completer = new FimCompleter(engine, engine.role('completion')!);
  const complete = (typed: string): Promise<CompleteResult> =>
    completer.complete({ input: input(typed), budget: BUDGET, maxNewTokens: 16, stopStrings: [] }, () => undefined, new AbortController().signal);
  const total = (r: CompleteResult) => r.timings.totalMs + r.prompt.buildMs;
  const explain = (onToken?: () => void): Promise<GenerateResult> =>
    engine.generate('chat', { prompt: `Explain this code:\n${LINES.slice(0, 60).join('\n')}\n`, maxNewTokens: LONG_TOKENS, ignoreEos: true, reuseCache: false }, onToken);

  await complete('warmup');
  await explain();
  const idle: number[] = [];
  const busy: number[] = [];
  const aloneTps: number[] = [];
  const sharedTps: number[] = [];
  const keystrokes: number[] = [];
  /** Wall time the long generation lost beyond the time its interleaved completions took, relative to alone. */
  const overhead: number[] = [];
  let promptTokens = 0;
  for (let i = 0; i < runs; i++) {
    // Idle: the model does nothing else.
    await complete(`a${i}`);
    const quiet = await complete(`a${i}b`);
    idle.push(total(quiet));
    promptTokens = quiet.timings.promptTokens;

    // The long generation alone.
    const alone = await explain();
    aloneTps.push((alone.timings.newTokens / alone.timings.totalMs) * 1000);

    // The long generation with a warm keystroke every ~1.5 s; the first one is the measured one.
    await complete(`c${i}`);
    let streamed = 0;
    const long = explain(() => streamed++);
    while (streamed < 40) await sleep(5);
    let n = 0;
    let completionsMs = 0;
    while (streamed < LONG_TOKENS - 40) {
      const r = await complete(`c${i}${'d'.repeat(n + 1)}`);
      completionsMs += total(r);
      if (n === 0) busy.push(total(r));
      n++;
      await sleep(1500);
    }
    const shared = await long;
    keystrokes.push(n);
    sharedTps.push((shared.timings.newTokens / shared.timings.totalMs) * 1000);
    overhead.push((shared.timings.totalMs - completionsMs - alone.timings.totalMs) / alone.timings.totalMs);
  }
  await loaded.dispose();

  const idleMs = median(idle);
  const busyMs = median(busy);
  console.log(`\n## Completion latency during a ${LONG_TOKENS}-token generation on the same model (${size} shape, q4, ${os.cpus().length} CPUs: ${isa()}), medians of ${runs} runs\n`);
  console.log('| completion (warm keystroke, 16 new tokens) | idle | during the long generation | ratio | long generation alone | with keystrokes | keystrokes per run | throughput loss | loss beyond the completions\' own time |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  console.log(`| ${promptTokens}-token FIM prompt | ${idleMs.toFixed(0)} ms | ${busyMs.toFixed(0)} ms | ${(busyMs / idleMs).toFixed(2)}x | ${median(aloneTps).toFixed(1)} tok/s | ${median(sharedTps).toFixed(1)} tok/s | ${median(keystrokes)} | ${((1 - median(sharedTps) / median(aloneTps)) * 100).toFixed(0)}% | ${(median(overhead) * 100).toFixed(1)}% |`);
  console.log('\nThroughput loss: the long generation\'s wall-clock tokens/s with the keystrokes\' completions run in between, against alone: the completions hold the model while they run.');
  console.log('Loss beyond: its wall time minus the completions\' time, against alone: what pausing and resuming cost it.');
}

runBench(main);
