import { EngineError } from '../shared/errors';
import { ModelConfig } from '../modelFormat/modelConfig';
import type { TensorMetadata } from './session';

export type KvDtype = 'float32' | 'float16';

/**
 * What a decoder graph expects, read from the session's metadata rather than configured:
 * exports differ in position_ids (absent when rotary is fused into GroupQueryAttention),
 * use_cache_branch (older merged exports), num_logits_to_keep, and KV precision.
 */
export interface GraphContract {
  hasPositionIds: boolean;
  hasUseCacheBranch: boolean;
  /** Shape to feed `num_logits_to_keep` with ([] scalar or [1]); absent when the graph has no such input. */
  numLogitsToKeepDims?: number[];
  /**
   * `past_key_values.{i}.key|value` -> `present.{i}.key|value`, by layer; `present.{i}.key.new`
   * where graphRewrite.ts sliced the outputs to the positions a run fed.
   */
  kv: { pastKey: string; pastValue: string; presentKey: string; presentValue: string }[];
  kvDtype: KvDtype;
  kvHeads: number;
  headDim: number;
  /** Logits width: the vocabulary the model scores. */
  vocab: number;
  logitsDtype: KvDtype;
}

const KV_INPUT = /^past_key_values\.(\d+)\.key$/;
/** Suffix of a present.* output that holds only the positions the run fed (graphRewrite.ts). */
export const NEW_ROWS = '.new';

/** The graph's present output of layer `layer`: the sliced one where the graph has it, else the whole cache. */
export function presentOutput(outputNames: ReadonlySet<string>, layer: number | string, kind: 'key' | 'value'): string {
  const whole = `present.${layer}.${kind}`;
  return outputNames.has(whole + NEW_ROWS) ? whole + NEW_ROWS : whole;
}

export function discoverContract(inputs: readonly TensorMetadata[], outputs: readonly TensorMetadata[], config: ModelConfig, graphFile: string): GraphContract {
  const byName = new Map(inputs.map((m) => [m.name, m]));
  const outNames = new Set(outputs.map((m) => m.name));
  const fail = (why: string) => new EngineError('contract-unsupported', `${graphFile} does not follow the decoder contract: ${why}. Use an onnx-community / transformers.js export.`, graphFile);

  if (!byName.has('input_ids')) throw fail('no input_ids input');
  if (!byName.has('attention_mask')) throw fail('no attention_mask input');
  const logits = outputs.find((m) => m.name === 'logits');
  if (!logits) throw fail('no logits output');

  const layers = inputs
    .map((m) => KV_INPUT.exec(m.name))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
  if (layers.length === 0) throw fail('no past_key_values.N.key inputs (a graph without KV cache would recompute the whole prompt per token)');
  const kv = layers.map((i) => {
    const names = { pastKey: `past_key_values.${i}.key`, pastValue: `past_key_values.${i}.value`, presentKey: presentOutput(outNames, i, 'key'), presentValue: presentOutput(outNames, i, 'value') };
    for (const n of [names.pastValue]) if (!byName.has(n)) throw fail(`missing input ${n}`);
    for (const n of [names.presentKey, names.presentValue]) if (!outNames.has(n)) throw fail(`missing output ${n}`);
    return names;
  });

  const first = byName.get(kv[0].pastKey)!;
  const kvDtype = tensorType(first, fail);
  // Shapes are [batch, kv_heads, past_len, head_dim]; head_dim can be symbolic in the graph.
  const shape = first.isTensor ? first.shape : [];
  const kvHeads = typeof shape[1] === 'number' ? shape[1] : config.numKeyValueHeads;
  const headDim = typeof shape[3] === 'number' ? shape[3] : config.headDim;
  const logitsShape = logits.isTensor ? logits.shape : [];
  const vocab = typeof logitsShape[2] === 'number' ? logitsShape[2] : config.vocabSize;

  return {
    hasPositionIds: byName.has('position_ids'),
    hasUseCacheBranch: byName.has('use_cache_branch'),
    numLogitsToKeepDims: scalarOrVector(byName.get('num_logits_to_keep')),
    kv,
    kvDtype,
    kvHeads,
    headDim,
    vocab,
    logitsDtype: tensorType(logits, fail),
  };
}

function tensorType(m: TensorMetadata, fail: (why: string) => Error): KvDtype {
  if (!m.isTensor) throw fail(`${m.name} is not a tensor`);
  if (m.type === 'float32' || m.type === 'float16') return m.type;
  throw fail(`${m.name} has element type ${m.type}; float32 or float16 expected`);
}

function scalarOrVector(m: TensorMetadata | undefined): number[] | undefined {
  if (!m) return undefined;
  return m.isTensor && m.shape.length === 1 ? [1] : [];
}
