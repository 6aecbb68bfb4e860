/**
 * Peak RSS of the inference worker against its model files (issue 16, part 4: at most 1.25x),
 * measured in the worker process the extension runs (dist/worker.js with its Node flags), in
 * three scenarios, each in a fresh worker:
 * - one model: a completion model and the keystroke requests of the latency table (cold, warm,
 *   prompt lookup, shifted suffix);
 * - two roles: the same, then a second model loaded for the chat role and a chat request on it,
 *   then completions again (target against both models' files);
 * - switch: the same keystrokes, then the completion role switched to the second model and the
 *   keystrokes again (the old model is freed before the new one loads: target against the larger
 *   model's files).
 * Also printed for two roles: the worker's RSS before the chat model was loaded and after it was
 * unloaded (what a user gets back; the engine trims the C heap after a release, heapTrim.ts).
 *
 *   npm run build && npx tsx test/bench/memory.ts [--size qwen2.5-coder-0.5b] [--runs N]
 */
import * as path from 'node:path';
import type { CompleteParams, WorkerStats } from '../../src/worker/protocol';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { ensureTestModel, onnxPath, type ModelSize } from '../modelgen/testModels';
import { ENGINE_CACHE, WORKER_PATH } from '../support/tinyModels';
import { isa } from './isa';
import { KEYSTROKE_BUDGET, keystrokeInput } from './keystrokePrompt';
import { onnxFilesMB } from './modelFiles';
import { runBench } from './runBench';
import { median } from './stats';

const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const MB = 2 ** 20;
const CHAT_PROMPT = `Explain this code:\n${keystrokeInput('').prefix.slice(-2000)}`;

type Scenario = 'one model' | 'two roles' | 'switch';
const SCENARIOS: Scenario[] = ['one model', 'two roles', 'switch'];

interface Figures {
  peakMB: number;
  filesMB: number;
  /** RSS before the chat model was loaded and after it was unloaded (two roles only). */
  beforeChatMB?: number;
  afterUnloadMB?: number;
}

async function scenario(which: Scenario, first: string, second: string): Promise<Figures> {
  const client = new WorkerClient({ workerPath: WORKER_PATH, log: () => undefined });
  const load = (role: 'completion' | 'chat', modelDir: string) => client.load({ role, modelDir, device: 'cpu', precision: 'q4', threads: 2, cacheDir: ENGINE_CACHE });
  const complete = (typed: string, extra: Partial<CompleteParams> = {}) =>
    client.request('complete', { input: keystrokeInput(typed), budget: KEYSTROKE_BUDGET, maxNewTokens: 16, stopStrings: [], ...extra });
  const keystrokes = async (tag: string) => {
    await complete(`${tag}`);
    await complete(`${tag}b`);
    await complete(`${tag}bc`, { speculation: { promptLookup: true } });
    await complete(`${tag}bcd`, { suffixReuse: 'shifted' });
  };
  const stats = (): Promise<WorkerStats> => client.request('stats', {});
  const files = (dir: string) => onnxFilesMB(onnxPath(dir, 'q4'));
  try {
    await load('completion', first);
    await keystrokes('a');
    if (which === 'one model') return { peakMB: (await stats()).peakRssBytes / MB, filesMB: files(first) };
    if (which === 'two roles') {
      const beforeChatMB = (await stats()).rssBytes / MB;
      await load('chat', second);
      await client.request('chat', { messages: [{ role: 'user', content: CHAT_PROMPT }], maxNewTokens: 32 });
      await keystrokes('x');
      const peakMB = (await stats()).peakRssBytes / MB;
      await client.request('unload', { role: 'chat' });
      return { peakMB, filesMB: files(first) + files(second), beforeChatMB, afterUnloadMB: (await stats()).rssBytes / MB };
    }
    await load('completion', second);
    await keystrokes('y');
    return { peakMB: (await stats()).peakRssBytes / MB, filesMB: Math.max(files(first), files(second)) };
  } finally {
    await client.dispose();
  }
}

async function main(): Promise<void> {
  const size = (arg('--size') ?? 'qwen2.5-coder-0.5b') as ModelSize;
  const runs = Number(arg('--runs')) || 1;
  const first = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  // A second model of the same shape with other weights (a perturbed copy): another folder, other sessions.
  const second = await ensureTestModel({ size, style: 'gqa', precision: 'q4', perturbation: 0.002 });
  const results = new Map<string, Figures[]>();
  for (let i = 0; i < runs; i++) {
    for (const which of SCENARIOS) {
      console.error(`[memory] ${size}: ${which}, run ${i + 1}`);
      results.set(which, [...(results.get(which) ?? []), await scenario(which, first, second)]);
    }
  }
  console.log(`\n## Worker peak RSS against model files, ${size} q4 (${path.basename(first)}), medians of ${runs} run(s)\n`);
  console.log(`Instruction set: ${isa()}.\n`);
  console.log('| scenario | peak RSS MB | model files MB | peak / files | RSS before loading the chat model -> after unloading it |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const [which, figures] of results) {
    const peak = median(figures.map((f) => f.peakMB));
    const filesMB = figures[0].filesMB;
    const mb = (pick: (f: Figures) => number | undefined) => `${median(figures.map((f) => pick(f)!)).toFixed(0)} MB`;
    const unload = figures[0].afterUnloadMB === undefined ? '-' : `${mb((f) => f.beforeChatMB)} -> ${mb((f) => f.afterUnloadMB)}`;
    console.log(`| ${which} | ${peak.toFixed(0)} | ${filesMB.toFixed(0)} | ${(peak / filesMB).toFixed(2)}x | ${unload} |`);
  }
}

runBench(main);
