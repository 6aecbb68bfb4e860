/**
 * Issue 16 section 2, suffix-first (SPM) order: the warm keystroke (one character typed at the
 * cursor since the last request) in PSM and in SPM order, side by side in one run, against the 16
 * decode steps alone (the same prompt asked again: one token prefilled, 15 decoded). In PSM the
 * ~120 suffix tokens after the edit are prefilled again; in SPM only the edited word is.
 *
 *   npx tsx test/bench/fimOrder.ts [--runs N] [--models starcoder2,qwen2.5-coder-0.5b]
 *
 * `starcoder2`: the generated StarCoder2 model, the family trained with SPM, in its one (tiny)
 * shape: the generator has no StarCoder2 shape of the 0.5B class. `qwen2.5-coder-0.5b`: the 0.5B
 * shape's compute with the same SPM layout forced onto its template (Qwen2.5-Coder itself is PSM
 * only, so the extension never sends it SPM): what a keystroke costs depends on the shape and on how
 * many tokens are prefilled, not on which family's ids they are (GroupQueryAttention graph, as
 * latency.ts; StarCoder2's generated model comes in standard ops only). 4-bit weights, 2 threads, the ONNX
 * engine in this process, medians; each measurement after waiting for an idle machine.
 */
import type { Timings } from '../../src/engine/generate';
import { detectFimTemplate, type FimOrder, type FimTemplate } from '../../src/prompt/fimTemplates';
import { PromptBuilder } from '../../src/prompt/promptBuilder';
import { ensureTestModel, type TestModelSpec } from '../modelgen/testModels';
import { loadEngine, type LoadedEngine } from '../support/loadedEngine';
import { ENGINE_CACHE } from '../support/tinyModels';
import { isa } from './isa';
import { KEYSTROKE_BUDGET, keystrokeInput } from './keystrokePrompt';
import { othersShare, snapshot, waitQuiet } from './quiet';
import { runBench } from './runBench';
import { median } from './stats';

const NEW_TOKENS = 16;
const THREADS = 2;
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const log = (s: string) => console.error(`[fimOrder] ${s}`);

const MODELS: Record<string, { spec: TestModelSpec; label: string; forced?: boolean }> = {
  starcoder2: { spec: { family: 'starcoder2', style: 'standard', precision: 'q4' }, label: 'StarCoder2 (tiny shape)' },
  'qwen2.5-coder-0.5b': { spec: { size: 'qwen2.5-coder-0.5b', style: 'gqa', precision: 'q4' }, label: 'Qwen2.5-Coder-0.5B shape, SPM layout forced', forced: true },
};

interface Row {
  promptTokens: number;
  warm: number[];
  prefilled: number[];
  steps: number[];
  newTokens: number[];
}

/** Keystroke to the 16th token (prompt building included), and what the engine reused. */
async function request(model: LoadedEngine, builder: PromptBuilder, typed: string, order: FimOrder): Promise<Timings & { ms: number }> {
  const started = performance.now();
  const prompt = builder.build(keystrokeInput(typed), KEYSTROKE_BUDGET, order);
  const r = await model.generate({ promptIds: prompt.ids, maxNewTokens: NEW_TOKENS, stopTokenIds: [] });
  return { ...r.timings, ms: performance.now() - started };
}

async function measure(name: string, runs: number): Promise<Record<FimOrder, Row> & { others: number }> {
  const { spec, forced } = MODELS[name];
  const model = await loadEngine({ modelDir: await ensureTestModel(spec), device: 'cpu', threads: THREADS, precision: 'q4', cacheDir: ENGINE_CACHE });
  try {
    const detected = detectFimTemplate(model.tokenizer)!;
    const template: FimTemplate = forced ? { ...detected, spm: { source: 'benchmark only: the StarCoder2 layout on this shape' } } : detected;
    const builder = new PromptBuilder(template, model.tokenizer);
    const rows = { psm: row(), spm: row() };
    await request(model, builder, 'warmup', 'psm');
    const before = snapshot();
    let cpuMs = 0;
    for (let i = 0; i < runs; i++) {
      // Interleaved, so a busy spell on the shared machine lands on both orders.
      for (const order of ['psm', 'spm'] as const) {
        await waitQuiet(60_000, 0.15, log);
        const cpu = process.cpuUsage();
        await model.generate({ promptIds: [0], maxNewTokens: 1 }); // nothing cached: the next request is cold
        await request(model, builder, `a${i}`, order);
        const warm = await request(model, builder, `a${i}b`, order);
        const steps = await request(model, builder, `a${i}b`, order);
        const used = process.cpuUsage(cpu);
        cpuMs += (used.user + used.system) / 1000;
        const r = rows[order];
        r.promptTokens = warm.promptTokens;
        r.warm.push(warm.ms);
        r.prefilled.push(warm.promptTokens - warm.reusedTokens);
        r.steps.push(steps.ms);
        r.newTokens.push(warm.newTokens);
      }
    }
    return { ...rows, others: othersShare(before, snapshot(), cpuMs) };
  } finally {
    await model.dispose();
  }
}

function row(): Row {
  return { promptTokens: 0, warm: [], prefilled: [], steps: [], newTokens: [] };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 3;
  const names = (arg('--models') ?? Object.keys(MODELS).join(',')).split(',');
  for (const n of names) if (!MODELS[n]) throw new Error(`unknown model ${n} (${Object.keys(MODELS).join(', ')})`);
  const lines = [
    `\n## Warm keystroke in PSM and SPM order (issue 16 section 2), ${NEW_TOKENS} new tokens, 4-bit ONNX, CPU, ${THREADS} threads, medians of ${runs} runs`,
    '',
    `ISA: ${isa()}`,
    '',
    '| model | order | prompt tokens | prefilled on the keystroke | warm keystroke | 16 decode steps alone | warm / steps | SPM / PSM warm | CPU of other processes |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const name of names) {
    log(`${name}: measuring`);
    const r = await measure(name, runs);
    for (const order of ['psm', 'spm'] as const) {
      const x = r[order];
      const fewer = median(x.newTokens) < NEW_TOKENS ? ` (${median(x.newTokens)} tokens)` : '';
      lines.push(
        `| ${MODELS[name].label} | ${order.toUpperCase()} | ${x.promptTokens} | ${median(x.prefilled)} | ${median(x.warm).toFixed(0)} ms${fewer} | ${median(x.steps).toFixed(0)} ms | ${(median(x.warm) / median(x.steps)).toFixed(2)}x | ` +
          `${order === 'spm' ? `${(median(x.warm) / median(r.psm.warm)).toFixed(2)}x` : '-'} | ${(100 * r.others).toFixed(0)}% |`,
      );
    }
  }
  lines.push('', '- "16 decode steps alone": the same prompt asked again (all but its last token cached), so one token is prefilled and 15 decoded.', '- "CPU of other processes": share of the machine others used while the model ran (the machine is shared).');
  console.log(lines.join('\n'));
}

runBench(main);
