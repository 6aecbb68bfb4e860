/**
 * The one table of `npm run bench` (issue 16, part 6): keystroke-to-completion latency on a
 * ~1,000-token FIM prompt with 16 new tokens, cold (nothing cached), warm (one character typed
 * since the last request: the KV cache is reused up to the edit) and warm with prompt lookup,
 * for our ONNX engine, our GGUF engine (llama.cpp through node-llama-cpp behind our engine
 * interface) and llama.cpp used directly through node-llama-cpp with its own prefix reuse
 * (erase the cells after the first different token, as llama-server's cache_prompt, which
 * llama.vscode relies on) and its own InputLookupTokenPredictor, on the same weights (the GGUF
 * is written from the generated ONNX model's 4-bit codes). Beside them: decode and prefill
 * speed from the same requests, peak RSS of each engine's process against its model files, the
 * instruction set. Ratios are against llama.cpp's figure from the same run. For the ONNX engine also
 * warm with the suffix's KV moved instead of re-prefilled (slm.suffixReuse "shifted": not always
 * the same output, see suffixReuse.ts), and each engine's warm keystroke against its own 16 decode
 * steps (issue 16 part 2's target: at most 1.2x).
 *
 *   npx tsx test/bench/latency.ts [--runs N] [--rounds R] [--sizes qwen2.5-coder-0.5b,qwen2.5-coder-1.5b|tiny]
 *       [--engines onnx,gguf,llama.cpp] [--device cpu|auto] [--draft <size>]
 *
 * `--device auto` loads our engines on a GPU where one works, else on the CPU (test/gpu/run.sh, on a lent GPU
 * machine) and prints which provider each got and why others were passed over; `--draft` adds
 * a column for speculation with a draft model of that size (a perturbed copy when the sizes are
 * equal), loaded beside the target.
 *
 * Every (size, engine) runs in a fresh process (its peak RSS is its own), engines one after the
 * other, each after waiting for an idle machine; medians of N runs inside each process. The
 * engines run R rounds (default 2), in reversed order every other round: figures drift by up to
 * 1.4x between processes a minute apart on these machines (NOTES.md), so each ratio is taken
 * within a round, between neighbouring processes, and printed as the median over rounds with
 * the range of rounds beside it; times and speeds are medians over all rounds' runs.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CompleteResult } from '../../src/worker/protocol';
import { KEYSTROKE_BUDGET, keystrokeInput } from './keystrokePrompt';
import { ensureTestGguf } from '../support/gguf';
import { ensureTestModel, onnxPath, type ModelSize } from '../modelgen/testModels';
import { ensureLlamaCppInstalled, importLlamaCpp } from '../support/llamaCppPackage';
import { othersShare, snapshot, waitQuiet } from './quiet';
import { isa } from './isa';
import { onnxFilesMB } from './modelFiles';
import { median } from './stats';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);

const BUDGET = KEYSTROKE_BUDGET;
const input = keystrokeInput;
const NEW_TOKENS = 16;
const THREADS = 2;

type EngineName = 'onnx' | 'gguf' | 'llama.cpp';
const ENGINES: EngineName[] = ['onnx', 'gguf', 'llama.cpp'];

interface Job {
  engine: EngineName;
  size: ModelSize;
  onnxDir: string;
  gguf: string;
  runs: number;
  device: 'cpu' | 'auto';
  /** The draft model's ONNX folder and GGUF, when a draft column is asked for. */
  draftDir?: string;
  draftGguf?: string;
}

/** One request as the caller sees it: keystroke to the 16th token. */
interface Request {
  totalMs: number;
  promptTokens: number;
  reusedTokens: number;
  prefillTokensPerSecond: number;
  decodeTokensPerSecond: number;
  accepted: number;
}

interface ChildResult {
  cold: number[];
  warm: number[];
  warmLookup: number[];
  warmDraft: number[];
  /** Our ONNX engine with slm.suffixReuse "shifted" (the suffix's KV moved, not re-prefilled). */
  warmShifted: number[];
  reused: number[];
  accepted: number[];
  promptTokens: number;
  prefill: number[];
  decode: number[];
  loadMs: number;
  peakRssMB: number;
  note?: string;
  cpuMs?: number;
}

type Speculation = 'plain' | 'prompt lookup' | 'draft model';
/** A warm request's way to the cache: speculation modes re-prefill the suffix; 'shifted suffix' moves it (ONNX engine only). */
type Mode = Speculation | 'shifted suffix';

/** An engine as the bench drives it: a completion at the cursor after `typed`, cold or reusing the last request. */
interface Driver {
  loadMs: number;
  note?: string;
  complete(typed: string, mode: Mode): Promise<Request>;
  forget(): Promise<void>;
  dispose(): Promise<void>;
}

async function ourEngine(job: Job): Promise<Driver> {
  const { loadEngine } = await import('../support/loadedEngine');
  const { FimCompleter } = await import('../../src/worker/fimCompleter');
  if (job.engine === 'gguf') ensureLlamaCppInstalled();
  const t = performance.now();
  const gguf = job.engine === 'gguf';
  const draftModelDir = gguf ? job.draftGguf : job.draftDir;
  const model = await loadEngine({
    modelDir: gguf ? job.gguf : job.onnxDir,
    ...(draftModelDir ? { draftModelDir } : {}),
    device: job.device,
    threads: THREADS,
    precision: 'q4',
    cacheDir: path.join(ROOT, '.cache/engine'),
  });
  const loadMs = performance.now() - t;
  const completer = new FimCompleter(model.engine, model.engine.role('completion')!);
  const { info } = model;
  const passedOver = info.skippedProviders.length ? `; passed over: ${info.skippedProviders.join('; ')}` : '';
  return {
    loadMs,
    note: `${info.runtime ?? 'onnxruntime'} ${info.precision} on ${info.provider}${info.draft ? `, draft ${info.draft.name} on ${info.draft.provider}` : ''}${passedOver}`,
    async complete(typed, mode) {
      const r: CompleteResult = await completer.complete(
        {
          input: input(typed),
          budget: BUDGET,
          maxNewTokens: NEW_TOKENS,
          stopStrings: [],
          speculation: mode === 'prompt lookup' ? { promptLookup: true } : mode === 'draft model' ? { draftModel: true } : undefined,
          suffixReuse: mode === 'shifted suffix' ? 'shifted' : 'exact',
        },
        () => undefined,
        new AbortController().signal,
      );
      return { totalMs: r.timings.totalMs + r.prompt.buildMs, promptTokens: r.timings.promptTokens, reusedTokens: r.timings.reusedTokens, prefillTokensPerSecond: r.timings.prefillTokensPerSecond, decodeTokensPerSecond: r.timings.decodeTokensPerSecond, accepted: r.speculation?.accepted ?? 0 };
    },
    // A one-token prompt that shares nothing with the next one: the next request is cold.
    forget: async () => void (await model.generate({ promptIds: [0], maxNewTokens: 1 })),
    dispose: () => model.dispose(),
  };
}

/**
 * llama.cpp as a llama.cpp-based stack runs it: node-llama-cpp's own API, a sequence per mode
 * (a token predictor is fixed per sequence), the prompt built by our PromptBuilder with the
 * same vocabulary so both sides evaluate the same ids; batch 512 (llama-server's micro-batch).
 */
async function llamaCppDirect(job: Job): Promise<Driver> {
  const { TextTokenizer } = await import('../../src/engine/tokenizer');
  const { detectFimTemplate } = await import('../../src/prompt/fimTemplates');
  const { PromptBuilder } = await import('../../src/prompt/promptBuilder');
  const tokenizer = TextTokenizer.load(path.join(job.onnxDir, 'tokenizer.json'), path.join(job.onnxDir, 'tokenizer_config.json'));
  const builder = new PromptBuilder(detectFimTemplate(tokenizer)!, tokenizer);
  const { getLlama, InputLookupTokenPredictor } = await importLlamaCpp();
  const t = performance.now();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: job.gguf, gpuLayers: 0 });
  const context = await model.createContext({ contextSize: 4096, batchSize: 512, threads: THREADS, sequences: 2 });
  const plain = context.getSequence();
  const predictor = new InputLookupTokenPredictor();
  const lookupSeq = context.getSequence({ tokenPredictor: predictor });
  const loadMs = performance.now() - t;
  return {
    loadMs,
    note: `node-llama-cpp ${String(llama.systemInfo ?? '').trim()}`,
    async complete(typed, mode) {
      const lookup = mode === 'prompt lookup';
      const started = performance.now();
      const ids: number[] = builder.build(input(typed), BUDGET).ids;
      const seq = lookup ? lookupSeq : plain;
      const keep = Math.min(seq.compareContextTokens(ids).firstDifferentIndex, ids.length - 1);
      if (keep === 0) await seq.clearHistory();
      else await seq.eraseContextTokenRanges([{ start: keep, end: seq.nextTokenIndex }]);
      if (lookup) predictor.updateInputTokens(ids);
      const before = seq.tokenPredictions.validated;
      const gen = seq.evaluate(ids.slice(keep), { temperature: 0, yieldEogToken: true });
      await gen.next();
      const first = performance.now();
      for (let i = 1; i < NEW_TOKENS; i++) await gen.next();
      const end = performance.now();
      await gen.return();
      return { totalMs: end - started, promptTokens: ids.length, reusedTokens: keep, prefillTokensPerSecond: ((ids.length - keep) / (first - started)) * 1000, decodeTokensPerSecond: ((NEW_TOKENS - 1) / (end - first)) * 1000, accepted: seq.tokenPredictions.validated - before };
    },
    async forget() {
      await plain.clearHistory();
      await lookupSeq.clearHistory();
    },
    async dispose() {
      await context.dispose();
      await model.dispose();
      await llama.dispose();
    },
  };
}

async function child(job: Job): Promise<ChildResult> {
  const driver = job.engine === 'llama.cpp' ? await llamaCppDirect(job) : await ourEngine(job);
  const r: ChildResult = { cold: [], warm: [], warmLookup: [], warmDraft: [], warmShifted: [], reused: [], accepted: [], promptTokens: 0, prefill: [], decode: [], loadMs: driver.loadMs, peakRssMB: 0, note: driver.note };
  await driver.complete('warmup', 'plain');
  const modes: Mode[] = ['plain', 'prompt lookup', ...(job.draftDir && job.engine !== 'llama.cpp' ? ['draft model' as const] : []), ...(job.engine === 'onnx' ? ['shifted suffix' as const] : [])];
  for (let i = 0; i < job.runs; i++) {
    for (const mode of modes) {
      await driver.forget();
      const cold = await driver.complete(`a${i}`, mode);
      const warm = await driver.complete(`a${i}b`, mode);
      if (mode === 'draft model') r.warmDraft.push(warm.totalMs);
      if (mode === 'shifted suffix') r.warmShifted.push(warm.totalMs);
      if (mode === 'prompt lookup') {
        r.warmLookup.push(warm.totalMs);
        r.accepted.push(warm.accepted);
      }
      if (mode !== 'plain') continue;
      r.cold.push(cold.totalMs);
      r.warm.push(warm.totalMs);
      r.reused.push(warm.reusedTokens);
      r.prefill.push(cold.prefillTokensPerSecond);
      r.decode.push(warm.decodeTokensPerSecond);
      r.promptTokens = cold.promptTokens;
    }
  }
  await driver.dispose();
  r.peakRssMB = process.resourceUsage().maxRSS / 1024;
  return r;
}

function runChild(job: Job): ChildResult & { others: number } {
  const before = snapshot();
  // From sources under tsx; as a bundle (test/gpu) plain node.
  const loader = __filename.endsWith('.ts') ? ['--import', 'tsx'] : [];
  const r = spawnSync(process.execPath, [...loader, __filename, '--child', JSON.stringify(job)], { cwd: ROOT, encoding: 'utf8', timeout: 900_000, maxBuffer: 64 << 20 });
  const line = (r.stdout ?? '').split('\n').find((l) => l.startsWith('@@RESULT@@ '));
  if (r.status !== 0 || !line) throw new Error(`${job.engine} ${job.size} failed (status ${r.status}):\n${(r.stderr ?? '').slice(-3000)}`);
  const result = JSON.parse(line.slice('@@RESULT@@ '.length)) as ChildResult;
  return { ...result, others: othersShare(before, snapshot(), result.cpuMs ?? 0) };
}

/** One engine's rounds as one result: every run's figures pooled, the highest peak RSS and share of other processes. */
function mergeRounds(rs: (ChildResult & { others: number })[]): ChildResult & { others: number } {
  const pool = (key: 'cold' | 'warm' | 'warmLookup' | 'warmDraft' | 'warmShifted' | 'reused' | 'accepted' | 'prefill' | 'decode') => rs.flatMap((r) => r[key]);
  return {
    cold: pool('cold'),
    warm: pool('warm'),
    warmLookup: pool('warmLookup'),
    warmDraft: pool('warmDraft'),
    warmShifted: pool('warmShifted'),
    reused: pool('reused'),
    accepted: pool('accepted'),
    prefill: pool('prefill'),
    decode: pool('decode'),
    promptTokens: rs[0].promptTokens,
    loadMs: median(rs.map((r) => r.loadMs)),
    peakRssMB: Math.max(...rs.map((r) => r.peakRssMB)),
    note: rs[0].note,
    others: Math.max(...rs.map((r) => r.others)),
  };
}

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 3;
  const rounds = Number(arg('--rounds')) || 2;
  const sizes = (arg('--sizes') ?? 'qwen2.5-coder-0.5b,qwen2.5-coder-1.5b').split(',') as ModelSize[];
  const engines = (arg('--engines') ?? ENGINES.join(',')).split(',') as EngineName[];
  const device = (arg('--device') ?? 'cpu') as Job['device'];
  if (device !== 'cpu' && device !== 'auto') throw new Error('--device cpu|auto');
  const draftSize = arg('--draft') as ModelSize | undefined;
  for (const e of engines) if (!ENGINES.includes(e)) throw new Error(`unknown engine ${e} (${ENGINES.join(', ')})`);
  if (engines.some((e) => e !== 'onnx')) ensureLlamaCppInstalled();
  const started = performance.now();
  const lines = [
    `\n## Keystroke to completion, ${NEW_TOKENS} new tokens, 4-bit weights (ONNX MatMulNBits / GGUF Q4_0, the same codes), device ${device}, ${THREADS} CPU threads, medians of ${runs} runs in each of ${rounds} rounds (engine order reversed every other round); ratios: median over rounds (range)`,
    '',
    `Instruction set: ${isa()}.`,
    '',
    '| model | engine | prompt tokens | cold | warm (1 char typed) | warm, prompt lookup | warm, draft model | warm, shifted suffix | warm vs llama.cpp warm | warm lookup vs llama.cpp warm lookup | best warm vs llama.cpp warm | warm / its decode steps (plain, shifted) | reused when warm | drafts accepted | decode tok/s | decode vs llama.cpp | prefill tok/s (cold) | load ms | peak RSS MB | RSS / model files | CPU of other processes (most in a round) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const notes = new Set<string>();
  for (const size of sizes) {
    const onnxDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
    const gguf = engines.some((e) => e !== 'onnx') ? ensureTestGguf(size, 'Q4_0', onnxDir, console.error) : '';
    // A draft of the target's own size is a perturbed copy (a draft must differ to be a draft).
    const draftDir = draftSize && (await ensureTestModel({ size: draftSize, style: 'gqa', precision: 'q4', ...(draftSize === size ? { perturbation: 0.002 } : {}) }));
    const draftGguf = draftDir && engines.includes('gguf') && draftSize !== size ? ensureTestGguf(draftSize!, 'Q4_0', draftDir, console.error) : undefined;
    const files: Record<EngineName, number> = { onnx: onnxFilesMB(onnxPath(onnxDir, 'q4')), gguf: gguf ? fs.statSync(gguf).size / 2 ** 20 : NaN, 'llama.cpp': gguf ? fs.statSync(gguf).size / 2 ** 20 : NaN };
    const byEngine = new Map<EngineName, (ChildResult & { others: number })[]>(engines.map((e) => [e, []]));
    for (let round = 0; round < rounds; round++) {
      for (const engine of round % 2 ? [...engines].reverse() : engines) {
        await waitQuiet(60_000, 0.15, console.error);
        console.error(`[latency] ${size} ${engine}, round ${round + 1} of ${rounds} ...`);
        byEngine.get(engine)!.push(runChild({ engine, size, onnxDir, gguf, runs, device, ...(draftDir ? { draftDir } : {}), ...(draftGguf ? { draftGguf } : {}) }));
      }
    }
    const base = byEngine.get('llama.cpp');
    for (const [engine, rs] of byEngine) {
      const r = mergeRounds(rs);
      if (r.note) notes.add(`${engine}: ${r.note}`);
      /** This engine's figure over llama.cpp's in each round: the median, and the range when there are several rounds. */
      const vs = (mine: (x: ChildResult) => number | undefined, theirs: (x: ChildResult) => number | undefined = mine) => {
        if (!base) return '-';
        const ratios = rs.flatMap((x, k) => {
          const [a, b] = [mine(x), theirs(base[k])];
          return a === undefined || b === undefined ? [] : [a / b];
        });
        if (!ratios.length) return '-';
        const range = ratios.length > 1 ? ` (${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)})` : '';
        return `**${median(ratios).toFixed(2)}x**${range}`;
      };
      const m = (xs: number[]) => (xs.length ? median(xs) : undefined);
      const opt = (xs: number[]) => (xs.length ? `${median(xs).toFixed(0)} ms` : '-');
      // The fastest warm way this engine has, against llama.cpp's plain prefix reuse (what llama.vscode gets).
      const best = (x: ChildResult) => Math.min(...[x.warm, x.warmLookup, x.warmDraft, x.warmShifted].filter((xs) => xs.length).map(median));
      const steps = (NEW_TOKENS * 1000) / median(r.decode);
      const perSteps = `${(median(r.warm) / steps).toFixed(2)}x${r.warmShifted.length ? `, ${(median(r.warmShifted) / steps).toFixed(2)}x` : ''}`;
      lines.push(
        `| ${size} | ${engine} | ${r.promptTokens} | ${median(r.cold).toFixed(0)} ms | ${median(r.warm).toFixed(0)} ms | ${median(r.warmLookup).toFixed(0)} ms | ${opt(r.warmDraft)} | ${opt(r.warmShifted)} | ` +
          `${vs((x) => m(x.warm))} | ${vs((x) => m(x.warmLookup))} | ${vs(best, (x) => m(x.warm))} | ${perSteps} | ` +
          `${median(r.reused)} | ${median(r.accepted)} | ${median(r.decode).toFixed(1)} | ${vs((x) => m(x.decode))} | ${median(r.prefill).toFixed(0)} | ${r.loadMs.toFixed(0)} | ${r.peakRssMB.toFixed(0)} | ${(r.peakRssMB / files[engine]).toFixed(2)}x of ${files[engine].toFixed(0)} | ${(100 * r.others).toFixed(0)}% |`,
      );
    }
  }
  lines.push('', ...[...notes].map((n) => `- ${n}`), `- "CPU of other processes": share of the machine other processes used while that engine ran (shared machine); total ${((performance.now() - started) / 60000).toFixed(1)} min.`);
  console.log(lines.join('\n'));
}

if (process.argv.includes('--child')) {
  child(JSON.parse(arg('--child')!) as Job).then(
    (r) => {
      const cpu = process.cpuUsage();
      process.stdout.write(`\n@@RESULT@@ ${JSON.stringify({ ...r, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
      process.exit(0);
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
} else {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
