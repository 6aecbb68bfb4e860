/**
 * A stand-alone onnxruntime-node decode loop with every knob exposed, for exploring what the
 * engine could set (bench tooling). Same contract as the engine: past KV fed back through the
 * engine's KvCache (a rewritten graph returns only the fed positions), logits for the last
 * position only (num_logits_to_keep = 1 when the graph has it), greedy argmax.
 */
import * as ort from 'onnxruntime-node';
import { PerformanceObserver } from 'node:perf_hooks';
import { presentOutput, type GraphContract } from '../../src/engine/contract';
import { KvCache } from '../../src/engine/kvCache';
import type { RunResult } from './child';

export interface OrtRunOptions {
  /** A graph path (already prepared by prepareGraph when wanted). */
  model: string;
  threads: number;
  /** Extra session config entries (full keys, e.g. session.intra_op.allow_spinning). */
  config?: Record<string, string>;
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
  enableCpuMemArena?: boolean;
  enableMemPattern?: boolean;
  prefillChunk?: number;
  /** Load this tokenizer.json in the process first, as the engine does (a ~50 MB JS heap). */
  tokenizerFile?: string;
  /** Load it in a separate worker_thread (own V8 heap) instead of the decode loop's heap. */
  tokenizerInWorker?: boolean;
}

export class OrtDecoder {
  private readonly cache: KvCache;
  private hasPositionIds = false;
  private hasKeep = false;
  private vocab = 0;

  private constructor(readonly session: ort.InferenceSession, private readonly o: OrtRunOptions) {
    const outputs = new Set(session.outputNames);
    const kv: GraphContract['kv'] = [];
    let kvHeads = 0;
    let headDim = 0;
    for (const m of session.inputMetadata) {
      const km = /^past_key_values\.(\d+)\.key$/.exec(m.name);
      if (km && m.isTensor) {
        kv.push({ pastKey: m.name, pastValue: `past_key_values.${km[1]}.value`, presentKey: presentOutput(outputs, km[1], 'key'), presentValue: presentOutput(outputs, km[1], 'value') });
        kvHeads = m.shape[1] as number;
        headDim = m.shape[3] as number;
      }
      if (m.name === 'position_ids') this.hasPositionIds = true;
      if (m.name === 'num_logits_to_keep') this.hasKeep = true;
    }
    const logits = session.outputMetadata.find((m) => m.name === 'logits');
    this.vocab = logits && logits.isTensor ? (logits.shape[2] as number) : 151936;
    this.cache = new KvCache({ kv, kvDtype: 'float32', kvHeads, headDim } as GraphContract);
  }

  static async open(o: OrtRunOptions): Promise<OrtDecoder> {
    const session = await ort.InferenceSession.create(o.model, {
      executionProviders: ['cpu'],
      intraOpNumThreads: o.threads,
      graphOptimizationLevel: o.graphOptimizationLevel ?? 'all',
      enableCpuMemArena: o.enableCpuMemArena ?? true,
      enableMemPattern: o.enableMemPattern ?? true,
      logSeverityLevel: 3,
      extra: { 'session.intra_op.allow_spinning': '1', ...(o.config ?? {}) },
    });
    return new OrtDecoder(session, o);
  }

  reset(): void {
    this.cache.reset();
  }

  /** Runs `ids` after the cache; returns the argmax of the last position. */
  async forward(ids: number[]): Promise<number> {
    const S = ids.length;
    const past = this.cache.length;
    const total = past + S;
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', BigInt64Array.from(ids, BigInt), [1, S]),
      attention_mask: new ort.Tensor('int64', new BigInt64Array(total).fill(1n), [1, total]),
      ...this.cache.feeds(),
    };
    if (this.hasPositionIds) feeds.position_ids = new ort.Tensor('int64', BigInt64Array.from(ids, (_, i) => BigInt(past + i)), [1, S]);
    if (this.hasKeep) feeds.num_logits_to_keep = new ort.Tensor('int64', [1n], []);
    const out = await this.session.run(feeds);
    this.cache.append(out, ids);
    const logits = out.logits.data as Float32Array;
    const start = logits.length - this.vocab;
    let best = 0;
    let bestV = -Infinity;
    for (let i = 0; i < this.vocab; i++) {
      const v = logits[start + i];
      if (v > bestV) {
        bestV = v;
        best = i;
      }
    }
    return best;
  }

  /** Prefill in chunks, then greedy decode; returns timings like the engine's. */
  async generate(prompt: number[], decode: number): Promise<{ prefillMs: number; decodeMs: number }> {
    this.reset();
    const chunk = this.o.prefillChunk ?? 512;
    const t0 = performance.now();
    let next = 0;
    for (let i = 0; i < prompt.length; i += chunk) next = await this.forward(prompt.slice(i, i + chunk));
    const t1 = performance.now();
    for (let i = 0; i < decode; i++) next = await this.forward([next]);
    return { prefillMs: t1 - t0, decodeMs: performance.now() - t1 };
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}

/** Holds the tokenizer so its heap stays alive during the measurement. */
export let keepAlive: unknown;

export async function runOrtRaw(o: OrtRunOptions, prompts: { warmup: number[]; p512: number[]; p1024: number[] }, decodeTokens: number): Promise<RunResult> {
  if (o.tokenizerFile && o.tokenizerInWorker) {
    const { Worker } = await import('node:worker_threads');
    const { pathToFileURL } = await import('node:url');
    const path = await import('node:path');
    const lib = pathToFileURL(path.join(__dirname, '..', '..', 'node_modules', '@huggingface', 'tokenizers', 'dist', 'tokenizers.mjs')).href;
    const w = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       import(workerData.lib).then(({ Tokenizer }) => {
         const json = JSON.parse(require('node:fs').readFileSync(workerData.file, 'utf8'));
         globalThis.tok = new Tokenizer(json, {});
         parentPort.postMessage(globalThis.tok.encode('def f(x):', { add_special_tokens: false }).ids.length);
       });`,
      { eval: true, workerData: { lib, file: o.tokenizerFile } },
    );
    await new Promise((r) => w.once('message', r));
    w.unref();
    keepAlive = w;
  } else if (o.tokenizerFile) {
    const { TextTokenizer } = await import('../../src/engine/tokenizer');
    keepAlive = TextTokenizer.load(o.tokenizerFile);
  }
  const t0 = performance.now();
  const dec = await OrtDecoder.open(o);
  const loadMs = performance.now() - t0;
  try {
    await dec.generate(prompts.warmup, 1);
    let gcMs = 0;
    let gcCount = 0;
    const obs = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        gcMs += e.duration;
        gcCount++;
      }
    });
    obs.observe({ entryTypes: ['gc'] });
    const a = await dec.generate(prompts.p512, decodeTokens);
    obs.disconnect();
    const b = await dec.generate(prompts.p1024, 0);
    return {
      loadMs,
      prefill512: (prompts.p512.length / a.prefillMs) * 1000,
      prefill1024: (prompts.p1024.length / b.prefillMs) * 1000,
      decode512: (decodeTokens / a.decodeMs) * 1000,
      maxRssMB: process.resourceUsage().maxRSS / 1024,
      notes: [`GC during prefill 512 + decode: ${gcCount} pauses, ${gcMs.toFixed(0)} ms`],
    };
  } finally {
    await dec.release();
  }
}
