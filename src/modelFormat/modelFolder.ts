import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError, errorMessage } from '../shared/errors';
import { externalDataFiles } from './externalData';
import { ModelConfig, parseModelConfig } from './modelConfig';
import { precisionOrder, SUFFIXES, type Precision, type PrecisionChoice } from './precision';

/** A model folder's files, checked: its config, its tokenizer and the graphs it holds. */
export interface ModelFolder {
  dir: string;
  name: string;
  config: ModelConfig;
  tokenizerFile: string;
  tokenizerConfigFile?: string;
  /**
   * The graph file of each precision the folder holds, e.g. `q4` -> `onnx/model_q4.onnx`, or
   * `onnx/decoder_model_merged_q4.onnx` in the older merged layout.
   */
  graphs: Partial<Record<Precision, string>>;
}

/** The graph a load opens, for one device kind, with everything it reads checked present. */
export interface ModelGraph {
  file: string;
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

/**
 * Graph file names, preferred first: onnx-community's `model{suffix}.onnx`, then the
 * `decoder_model_merged{suffix}.onnx` of Xenova's older optimum exports (one graph with and
 * without past, switched by its `use_cache_branch` input; transformers.js' `model_file_name`).
 */
const GRAPH_BASES = ['model', 'decoder_model_merged'];

function listGraphs(onnxDir: string): Partial<Record<Precision, string>> {
  const present = fs.existsSync(onnxDir) ? new Set(fs.readdirSync(onnxDir)) : new Set<string>();
  const graphs: Partial<Record<Precision, string>> = {};
  for (const [precision, suffixes] of Object.entries(SUFFIXES) as [Precision, string[]][]) {
    const name = GRAPH_BASES.flatMap((base) => suffixes.map((suffix) => `${base}${suffix}.onnx`)).find((n) => present.has(n));
    if (name) graphs[precision] = path.join(onnxDir, name);
  }
  return graphs;
}

/**
 * Checks a model folder's config, tokenizer and graphs (cheap: two small files and a listing).
 * Throws EngineError naming the bad file. The graph to load is chosen per device by chooseGraph.
 */
export function openModelFolder(dir: string): ModelFolder {
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
  const onnxDir = path.join(abs, 'onnx');
  const graphs = listGraphs(onnxDir);
  if (Object.keys(graphs).length === 0) throw noGraph(onnxDir, 'auto', 'cpu');
  return {
    dir: abs,
    // test/modelgen marks the models it generates (seeded random weights): their output is noise, so say so wherever the name shows.
    name: (raw as Record<string, unknown>).slm_test_model ? `${path.basename(abs)} (test model)` : path.basename(abs),
    config,
    tokenizerFile,
    tokenizerConfigFile: fs.existsSync(tokenizerConfigFile) ? tokenizerConfigFile : undefined,
    graphs,
  };
}

/**
 * The graph to load on a device kind: the first precision of `precision`'s order the folder
 * holds, with its external data files checked present and inside its folder (externalData.ts).
 */
export function chooseGraph(folder: ModelFolder, precision: PrecisionChoice, device: 'cpu' | 'gpu'): ModelGraph {
  const chosen = precisionOrder(precision, device).find((p) => folder.graphs[p]);
  if (!chosen) throw noGraph(path.join(folder.dir, 'onnx'), precision, device);
  const file = folder.graphs[chosen]!;
  let bytes = fs.statSync(file).size;
  for (const dataFile of externalDataFiles(file)) {
    if (!fs.existsSync(dataFile)) {
      throw new EngineError(
        'external-data-missing',
        `${dataFile} is missing: ${path.basename(file)} keeps its weights there. Download it next to the graph.`,
        dataFile,
      );
    }
    bytes += fs.statSync(dataFile).size;
  }
  return { file, precision: chosen, bytes };
}

function noGraph(onnxDir: string, precision: PrecisionChoice, device: 'cpu' | 'gpu'): EngineError {
  const wanted = precisionOrder(precision, device).flatMap((p) => SUFFIXES[p].map((s) => `onnx/model${s}.onnx`)).join(', ') + ' or the same as onnx/decoder_model_merged*.onnx';
  return new EngineError(
    'graph-missing',
    `${onnxDir} has no ${precision === 'auto' ? 'model graph' : `${precision} graph`} (looked for ${wanted}). ` +
      `Download an onnx-community export of the model, or choose another precision.`,
    onnxDir,
  );
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
