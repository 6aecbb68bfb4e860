/**
 * One measurement in a fresh process (so peak RSS belongs to this run alone). Invoked by
 * bench.ts as `node --import tsx test/bench/child.ts '<json job>'`; prints one result line
 * `@@RESULT@@ {json}` on stdout.
 */
import { Worker } from 'node:worker_threads';
import { promptIds } from './prompts';

export interface OursJob {
  mode: 'ours';
  modelDir: string;
  precision: 'fp32' | 'q4';
  threads: number;
  cacheDir: string;
  decodeTokens: number;
}

export interface LlamaJob {
  mode: 'llama';
  gguf: string;
  threads: number;
  batchSize: number;
  contextSize: number;
  decodeTokens: number;
}

export interface BandwidthJob {
  mode: 'bandwidth';
  threads: number;
  mbPerThread: number;
}

export interface VerifyJob {
  mode: 'verify';
  onnx: string;
  gguf: string;
  vocab: number;
  threads: number;
}

export interface OrtJob {
  mode: 'ort';
  options: import('./ortRunner').OrtRunOptions;
  decodeTokens: number;
}

export type Job = OursJob | LlamaJob | BandwidthJob | VerifyJob | OrtJob;

export interface RunResult {
  loadMs: number;
  prefill512: number;
  prefill1024: number;
  decode512: number;
  maxRssMB: number;
  notes?: string[];
  /** CPU time of the child process (all threads). */
  cpuMs?: number;
  /** Share of machine CPU used by other processes during the run (set by the parent). */
  others?: number;
}

export const PROMPT_512 = promptIds(512, 1);
export const PROMPT_1024 = promptIds(1024, 2);
/** A first full-size batch pays for arena growth and page faults in both engines: not measured. */
const WARMUP = promptIds(512, 3);

function maxRssMB(): number {
  return process.resourceUsage().maxRSS / 1024;
}

async function runOurs(job: OursJob): Promise<RunResult> {
  const { loadEngine } = await import('../support/loadedEngine');
  const t0 = performance.now();
  const model = await loadEngine({ modelDir: job.modelDir, device: 'cpu', threads: job.threads, precision: job.precision, cacheDir: job.cacheDir });
  const loadMs = performance.now() - t0;
  try {
    const greedy = { temperature: 0 };
    await model.generate({ promptIds: WARMUP, maxNewTokens: 2, ignoreEos: true, sampling: greedy, reuseCache: false });
    const a = await model.generate({ promptIds: PROMPT_512, maxNewTokens: job.decodeTokens + 1, ignoreEos: true, sampling: greedy, reuseCache: false });
    const b = await model.generate({ promptIds: PROMPT_1024, maxNewTokens: 1, ignoreEos: true, sampling: greedy, reuseCache: false });
    return {
      loadMs,
      prefill512: a.timings.prefillTokensPerSecond,
      prefill1024: b.timings.prefillTokensPerSecond,
      decode512: a.timings.decodeTokensPerSecond,
      maxRssMB: maxRssMB(),
      notes: model.info.graphChanges,
    };
  } finally {
    await model.dispose();
  }
}

async function runLlama(job: LlamaJob): Promise<RunResult> {
  const { importLlamaCpp } = await import('../support/llamaCppPackage');
  const { getLlama } = await importLlamaCpp();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const t0 = performance.now();
  const model = await llama.loadModel({ modelPath: job.gguf, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: job.contextSize, batchSize: job.batchSize, threads: job.threads, sequences: 1 });
  const loadMs = performance.now() - t0;
  const seq = ctx.getSequence();
  const greedy = { temperature: 0 };
  /** Time to the first token (the prefill), then `decode` more tokens. */
  const run = async (ids: number[], decode: number): Promise<{ prefillMs: number; decodeMs: number }> => {
    await seq.clearHistory();
    const gen = seq.evaluate(ids, greedy);
    const s = performance.now();
    await gen.next();
    const p = performance.now();
    for (let i = 0; i < decode; i++) await gen.next();
    const d = performance.now();
    await gen.return();
    return { prefillMs: p - s, decodeMs: d - p };
  };
  try {
    await run(WARMUP, 1);
    const a = await run(PROMPT_512, job.decodeTokens);
    const b = await run(PROMPT_1024, 0);
    return {
      loadMs,
      prefill512: (PROMPT_512.length / a.prefillMs) * 1000,
      prefill1024: (PROMPT_1024.length / b.prefillMs) * 1000,
      decode512: (job.decodeTokens / a.decodeMs) * 1000,
      maxRssMB: maxRssMB(),
      notes: [`node-llama-cpp llama.cpp build ${llama.llamaCppRelease?.release ?? '?'}, ${String(llama.systemInfo ?? '').trim()}`],
    };
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

/** Read bandwidth: each worker memcmp's two private buffers (identical, so both are read whole). */
async function runBandwidth(job: BandwidthJob): Promise<{ gbPerSecond: number; perThread: number[] }> {
  const src = `
    const { parentPort, workerData } = require('node:worker_threads');
    const n = workerData.mb * 1024 * 1024;
    const a = Buffer.alloc(n, 7), b = Buffer.alloc(n, 7);
    parentPort.on('message', (passes) => {
      const t = performance.now();
      for (let i = 0; i < passes; i++) if (Buffer.compare(a, b) !== 0) throw new Error('differ');
      parentPort.postMessage((2 * n * passes) / ((performance.now() - t) / 1000));
    });
    parentPort.postMessage('ready');`;
  const workers = Array.from({ length: job.threads }, () => new Worker(src, { eval: true, workerData: { mb: job.mbPerThread } }));
  await Promise.all(workers.map((w) => new Promise((r) => w.once('message', r))));
  let best = 0;
  let bestPer: number[] = [];
  for (let round = 0; round < 5; round++) {
    const per = await Promise.all(workers.map((w) => new Promise<number>((r) => { w.once('message', r); w.postMessage(4); })));
    const total = per.reduce((a, b) => a + b, 0);
    if (total > best) {
      best = total;
      bestPer = per;
    }
  }
  await Promise.all(workers.map((w) => w.terminate()));
  return { gbPerSecond: best / 1e9, perThread: bestPer.map((x) => x / 1e9) };
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2]) as Job;
  let result: unknown;
  if (job.mode === 'ours') result = await runOurs(job);
  else if (job.mode === 'llama') result = await runLlama(job);
  else if (job.mode === 'bandwidth') result = await runBandwidth(job);
  else if (job.mode === 'ort') {
    const { runOrtRaw } = await import('./ortRunner');
    result = await runOrtRaw(job.options, { warmup: WARMUP, p512: PROMPT_512, p1024: PROMPT_1024 }, job.decodeTokens);
  }
  else {
    const { compareEngines } = await import('./verify');
    result = await compareEngines(job.onnx, job.gguf, job.vocab, job.threads);
  }
  const cpu = process.cpuUsage();
  process.stdout.write(`\n@@RESULT@@ ${JSON.stringify({ ...(result as object), cpuMs: (cpu.user + cpu.system) / 1000 })}\n`);
}

if (require.main === module) {
  main().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err instanceof Error ? err.stack : err);
      process.exit(1);
    },
  );
}
