/**
 * Checks that our ONNX model and the GGUF hold the same weights: last-position next-token
 * distributions of both engines on one prompt. Random-weight models strongly predict their own
 * input token, so that token is masked out before comparing (FACTS.md).
 */
import * as ort from 'onnxruntime-node';
import { importLlamaCpp } from '../support/llamaCppPackage';
import { promptIds } from './prompts';

export interface Agreement {
  /** Top-10 overlap (0..10) of the masked distributions. */
  top10Overlap: number;
  top1Same: boolean;
  /** Pearson correlation of log-probabilities over the union of both top-100 lists. */
  logprobCorrelation: number;
  /** Max |p_ours - p_llama| over the vocabulary (masked, renormalized). */
  maxProbDiff: number;
  oursTop5: number[];
  llamaTop5: number[];
}

async function ortProbs(onnxFile: string, ids: number[], threads: number): Promise<Float64Array> {
  const s = await ort.InferenceSession.create(onnxFile, { intraOpNumThreads: threads, logSeverityLevel: 3 });
  try {
    const S = ids.length;
    const feeds: Record<string, ort.Tensor> = {};
    for (const m of s.inputMetadata) {
      if (m.name === 'input_ids') feeds[m.name] = new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, S]);
      else if (m.name === 'attention_mask') feeds[m.name] = new ort.Tensor('int64', new BigInt64Array(S).fill(1n), [1, S]);
      else if (m.name === 'position_ids') feeds[m.name] = new ort.Tensor('int64', BigInt64Array.from(ids.map((_, i) => BigInt(i))), [1, S]);
      else if (m.name === 'num_logits_to_keep') feeds[m.name] = new ort.Tensor('int64', BigInt64Array.from([1n]), []);
      else if (m.isTensor && m.name.startsWith('past_key_values.')) feeds[m.name] = new ort.Tensor('float32', new Float32Array(0), [1, m.shape[1] as number, 0, m.shape[3] as number]);
    }
    const out = await s.run(feeds);
    const logits = out.logits.data as Float32Array;
    const V = out.logits.dims[2];
    return softmax(logits.subarray(logits.length - V));
  } finally {
    await s.release();
  }
}

function softmax(x: ArrayLike<number>): Float64Array {
  let m = -Infinity;
  for (let i = 0; i < x.length; i++) m = Math.max(m, x[i]);
  const p = new Float64Array(x.length);
  let z = 0;
  for (let i = 0; i < x.length; i++) z += p[i] = Math.exp(x[i] - m);
  for (let i = 0; i < x.length; i++) p[i] /= z;
  return p;
}

async function llamaProbs(ggufFile: string, ids: number[], vocab: number, threads: number): Promise<Float64Array> {
  const { getLlama } = await importLlamaCpp();
  const llama = await getLlama({ gpu: false, build: 'never', logLevel: 'error' });
  const model = await llama.loadModel({ modelPath: ggufFile, gpuLayers: 0 });
  const ctx = await model.createContext({ contextSize: 256, threads });
  try {
    const seq = ctx.getSequence();
    const gen = seq.evaluateWithMetadata(ids, { probabilities: true }, { temperature: 1, topK: 0, topP: 1, minP: 0 });
    const first = await gen.next();
    await gen.return();
    const probs = new Float64Array(vocab);
    for (const [tok, p] of (first.value as { probabilities: Map<number, number> }).probabilities) probs[tok] = p;
    return probs;
  } finally {
    await ctx.dispose();
    await model.dispose();
    await llama.dispose();
  }
}

function maskRenorm(p: Float64Array, token: number): Float64Array {
  const q = Float64Array.from(p);
  q[token] = 0;
  const z = q.reduce((a, b) => a + b, 0);
  for (let i = 0; i < q.length; i++) q[i] /= z;
  return q;
}

function topK(p: Float64Array, k: number): number[] {
  return Array.from(p.keys()).sort((a, b) => p[b] - p[a]).slice(0, k);
}

export async function compareEngines(onnxFile: string, ggufFile: string, vocab: number, threads = 2): Promise<Agreement> {
  const ids = promptIds(24, 777);
  const last = ids[ids.length - 1];
  const ours = maskRenorm(await ortProbs(onnxFile, ids, threads), last);
  const theirs = maskRenorm(await llamaProbs(ggufFile, ids, vocab, threads), last);
  const a10 = topK(ours, 10);
  const b10 = topK(theirs, 10);
  const union = [...new Set([...topK(ours, 100), ...topK(theirs, 100)])];
  const xs = union.map((i) => Math.log(ours[i] + 1e-30));
  const ys = union.map((i) => Math.log(theirs[i] + 1e-30));
  const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
  const mx = mean(xs);
  const my = mean(ys);
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < xs.length; i++) {
    sxy += (xs[i] - mx) * (ys[i] - my);
    sxx += (xs[i] - mx) ** 2;
    syy += (ys[i] - my) ** 2;
  }
  let maxProbDiff = 0;
  for (let i = 0; i < vocab; i++) maxProbDiff = Math.max(maxProbDiff, Math.abs(ours[i] - theirs[i]));
  return {
    top10Overlap: a10.filter((t) => b10.includes(t)).length,
    top1Same: a10[0] === b10[0],
    logprobCorrelation: sxy / Math.sqrt(sxx * syy),
    maxProbDiff,
    oursTop5: a10.slice(0, 5),
    llamaTop5: b10.slice(0, 5),
  };
}
