import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, errorMessage } from './errors';
import { ModelConfig, parseModelConfig } from './modelConfig';

/** Weight precisions of the onnx-community layout, by file-name suffix (FACTS.md). */
export type Precision = 'fp32' | 'fp16' | 'q8' | 'q4' | 'q4f16' | 'bnb4';
export type PrecisionChoice = Precision | 'auto';

export const SUFFIXES: Record<Precision, string[]> = {
  fp32: [''],
  fp16: ['_fp16'],
  q8: ['_quantized', '_int8', '_uint8'],
  q4: ['_q4'],
  q4f16: ['_q4f16'],
  bnb4: ['_bnb4'],
};

/**
 * `auto` order. On a CPU, 4-bit MatMulNBits with fp32 activations is the fastest and smallest
 * (FACTS.md: 47 vs 12 tok/s for fp32); fp16 activations have no fast CPU kernels, so they go last.
 * GPUs prefer fp16 activations.
 */
const AUTO_ORDER: Record<'cpu' | 'gpu', readonly Precision[]> = {
  cpu: ['q4', 'q8', 'fp32', 'bnb4', 'q4f16', 'fp16'],
  gpu: ['q4f16', 'fp16', 'q4', 'q8', 'fp32', 'bnb4'],
};

/** The precisions `auto` tries, best first, for a device kind. */
export function precisionOrder(choice: PrecisionChoice, device: 'cpu' | 'gpu'): readonly Precision[] {
  return choice === 'auto' ? AUTO_ORDER[device] : [choice];
}

export interface ModelFolder {
  dir: string;
  name: string;
  config: ModelConfig;
  tokenizerFile: string;
  tokenizerConfigFile?: string;
  /** The chosen graph, e.g. `onnx/model_q4.onnx`. */
  graphFile: string;
  precision: Precision;
  /** Total bytes of the graph and its external data: what a load reads. */
  bytes: number;
}

function readJson(file: string, missingCode: 'config-missing' | 'tokenizer-missing', what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    throw new EngineError(missingCode, `${file} is missing: ${what}`, file);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    const code = missingCode === 'config-missing' ? 'config-invalid' : 'tokenizer-invalid';
    throw new EngineError(code, `${file} is not valid JSON (${errorMessage(err)}). Re-download the model folder.`, file);
  }
}

function findGraph(onnxDir: string, precision: PrecisionChoice, device: 'cpu' | 'gpu'): { file: string; precision: Precision } {
  const present = fs.existsSync(onnxDir) ? new Set(fs.readdirSync(onnxDir)) : new Set<string>();
  const order = precisionOrder(precision, device);
  for (const p of order) {
    for (const suffix of SUFFIXES[p]) {
      const name = `model${suffix}.onnx`;
      if (present.has(name)) return { file: path.join(onnxDir, name), precision: p };
    }
  }
  const wanted = order.flatMap((p) => SUFFIXES[p].map((s) => `onnx/model${s}.onnx`)).join(', ');
  throw new EngineError(
    'graph-missing',
    `${onnxDir} has no ${precision === 'auto' ? 'model graph' : `${precision} graph`} (looked for ${wanted}). ` +
      `Download an onnx-community export of the model, or choose another precision.`,
    onnxDir,
  );
}

/**
 * Files a graph keeps its weights in. Each external tensor stores `location` as a key/value
 * entry (key "location", then field 2 with a length-prefixed file name), so a byte search finds
 * them without decoding a large graph.
 */
function externalDataFiles(graphFile: string): string[] {
  const dir = path.dirname(graphFile);
  // Graphs with external data are small; a large one holds its weights inline.
  if (fs.statSync(graphFile).size > 16 * 1024 * 1024) return [];
  const bytes = fs.readFileSync(graphFile);
  const key = Buffer.from('location');
  const names = new Set<string>();
  for (let at = bytes.indexOf(key); at >= 0; at = bytes.indexOf(key, at + key.length)) {
    const tag = at + key.length;
    const length = bytes[tag + 1];
    if (bytes[tag] !== 0x12 || length === undefined || length >= 0x80) continue;
    names.add(bytes.subarray(tag + 2, tag + 2 + length).toString('utf8'));
  }
  return [...names].map((f) => path.join(dir, f));
}

/** Validates a model folder and picks the graph to load. Throws EngineError naming the bad file. */
export function openModelFolder(dir: string, precision: PrecisionChoice = 'auto', device: 'cpu' | 'gpu' = 'cpu'): ModelFolder {
  const abs = path.resolve(dir);
  if (!fs.existsSync(abs) || !fs.statSync(abs).isDirectory()) {
    throw new EngineError('model-folder-missing', `Model folder ${abs} does not exist. Choose a folder that holds config.json, tokenizer.json and onnx/.`, abs);
  }
  const configFile = path.join(abs, 'config.json');
  const raw = readJson(configFile, 'config-missing', 'every model folder needs the config.json of its Hugging Face export.');
  const config = parseModelConfig(raw, configFile);
  mergeGenerationConfig(abs, config);

  const tokenizerFile = path.join(abs, 'tokenizer.json');
  if (!fs.existsSync(tokenizerFile)) {
    throw new EngineError('tokenizer-missing', `${tokenizerFile} is missing: download the tokenizer.json that belongs to this model.`, tokenizerFile);
  }
  const tokenizerConfigFile = path.join(abs, 'tokenizer_config.json');

  const graph = findGraph(path.join(abs, 'onnx'), precision, device);
  let bytes = fs.statSync(graph.file).size;
  for (const dataFile of externalDataFiles(graph.file)) {
    if (!fs.existsSync(dataFile)) {
      throw new EngineError(
        'external-data-missing',
        `${dataFile} is missing: ${path.basename(graph.file)} keeps its weights there. Download it next to the graph.`,
        dataFile,
      );
    }
    bytes += fs.statSync(dataFile).size;
  }
  return {
    dir: abs,
    name: path.basename(abs),
    config,
    tokenizerFile,
    tokenizerConfigFile: fs.existsSync(tokenizerConfigFile) ? tokenizerConfigFile : undefined,
    graphFile: graph.file,
    precision: graph.precision,
    bytes,
  };
}

/** generation_config.json may list more end-of-sequence ids than config.json (e.g. Qwen chat models). */
function mergeGenerationConfig(dir: string, config: ModelConfig): void {
  const file = path.join(dir, 'generation_config.json');
  if (!fs.existsSync(file)) return;
  try {
    const g = JSON.parse(fs.readFileSync(file, 'utf8')) as { eos_token_id?: number | number[] };
    const ids = Array.isArray(g.eos_token_id) ? g.eos_token_id : typeof g.eos_token_id === 'number' ? [g.eos_token_id] : [];
    for (const id of ids) if (!config.eosTokenIds.includes(id)) config.eosTokenIds.push(id);
  } catch {
    // Optional file: a broken one only loses extra stop ids, config.json's still apply.
  }
}
