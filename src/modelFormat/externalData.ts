/**
 * The files an ONNX graph keeps its weights in (its tensors' external-data `location` entries),
 * read from the protobuf structure and checked to stay inside the graph's folder before
 * onnxruntime opens them. A graph is data from wherever the model came from: a `location` of
 * `../../.ssh/id_rsa` or `/etc/shadow` would otherwise be read (and its bytes used as weights).
 *
 * Only the lexical path is checked: a symbolic link inside the folder is the folder owner's
 * choice (Hugging Face's cache links every file to a blob elsewhere), not the graph's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { EngineError } from '../shared/errors';
import { FileSource, readFields, readString, WireError, WireType, type ByteSource, type Field } from './onnxWire';

// onnx.proto field numbers of the messages that can hold a tensor, and where.
const MODEL_GRAPH = 7;
const MODEL_TRAINING_INFO = 20;
const MODEL_FUNCTIONS = 25;
const TRAINING_GRAPHS = [1, 2]; // initialization, algorithm
const FUNCTION_NODE = 7;
const GRAPH_NODE = 1;
const GRAPH_INITIALIZER = 5;
const GRAPH_SPARSE_INITIALIZER = 15;
const NODE_ATTRIBUTE = 5;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_TENSORS = 10;
const ATTR_GRAPHS = 11;
const ATTR_SPARSE_TENSOR = 22;
const ATTR_SPARSE_TENSORS = 23;
const SPARSE_VALUES = 1;
const SPARSE_INDICES = 2;
const TENSOR_EXTERNAL_DATA = 13;
const ENTRY_KEY = 1;
const ENTRY_VALUE = 2;

type Kind = 'model' | 'training' | 'function' | 'graph' | 'node' | 'attribute' | 'sparse' | 'tensor';

/** Which fields of each message are sub-messages to walk, and what they are. */
const CHILDREN: Record<Exclude<Kind, 'tensor'>, Record<number, Kind>> = {
  model: { [MODEL_GRAPH]: 'graph', [MODEL_TRAINING_INFO]: 'training', [MODEL_FUNCTIONS]: 'function' },
  training: Object.fromEntries(TRAINING_GRAPHS.map((no) => [no, 'graph'])),
  function: { [FUNCTION_NODE]: 'node' },
  graph: { [GRAPH_NODE]: 'node', [GRAPH_INITIALIZER]: 'tensor', [GRAPH_SPARSE_INITIALIZER]: 'sparse' },
  node: { [NODE_ATTRIBUTE]: 'attribute' },
  attribute: { [ATTR_T]: 'tensor', [ATTR_G]: 'graph', [ATTR_TENSORS]: 'tensor', [ATTR_GRAPHS]: 'graph', [ATTR_SPARSE_TENSOR]: 'sparse', [ATTR_SPARSE_TENSORS]: 'sparse' },
  sparse: { [SPARSE_VALUES]: 'tensor', [SPARSE_INDICES]: 'tensor' },
};

/** Every external-data `location` in the model occupying `src` (initializers, constants, subgraphs, functions). */
export function externalLocations(src: ByteSource): string[] {
  const found = new Set<string>();
  const walk = (kind: Kind, start: number, end: number): void => {
    const fields = readFields(src, start, end);
    if (kind === 'tensor') {
      for (const entry of fields.filter((f) => f.no === TENSOR_EXTERNAL_DATA && f.wt === WireType.Len)) {
        const location = entryValue(src, entry, 'location');
        if (location !== undefined) found.add(location);
      }
      return;
    }
    const children = CHILDREN[kind];
    for (const f of fields) {
      const child = children[f.no];
      if (child && f.wt === WireType.Len) walk(child, f.start, f.end);
    }
  };
  walk('model', 0, src.size);
  return [...found];
}

/** The value of a StringStringEntryProto whose key is `key`; its fields may come in any order. */
function entryValue(src: ByteSource, entry: Field, key: string): string | undefined {
  const fields = readFields(src, entry.start, entry.end);
  const k = fields.find((f) => f.no === ENTRY_KEY && f.wt === WireType.Len);
  const v = fields.find((f) => f.no === ENTRY_VALUE && f.wt === WireType.Len);
  return k && readString(src, k) === key ? (v ? readString(src, v) : '') : undefined;
}

/**
 * Why `location` may not be read, or undefined when it names a file inside the graph's folder.
 * Both separators count (onnxruntime on Windows takes `\`), and so do drive letters.
 */
export function locationProblem(location: string): string | undefined {
  if (location === '' || location.includes('\0')) return 'an empty or malformed name';
  if (path.posix.isAbsolute(location) || path.win32.isAbsolute(location) || /^[a-zA-Z]:/.test(location)) return 'an absolute path';
  let depth = 0;
  for (const part of location.split(/[\\/]+/)) {
    if (part === '..') depth--;
    else if (part !== '.' && part !== '') depth++;
    if (depth < 0) return 'a path outside the model folder';
  }
  return depth === 0 ? 'no file name' : undefined;
}

/**
 * The external data files of `graphFile`, each checked to lie inside the graph's folder.
 * Throws EngineError (`graph-invalid`) naming the graph when one does not, or when the graph
 * cannot be parsed. Reads only field headers: the weights of a large inline graph are skipped.
 */
export function externalDataFiles(graphFile: string): string[] {
  const fd = fs.openSync(graphFile, 'r');
  let locations: string[];
  try {
    locations = externalLocations(new FileSource(fd, fs.fstatSync(fd).size));
  } catch (err) {
    if (!(err instanceof WireError)) throw err;
    throw new EngineError('graph-invalid', `${graphFile} is not a valid ONNX model (${err.message}). It may be truncated: re-download it.`, graphFile);
  } finally {
    fs.closeSync(fd);
  }
  const dir = path.dirname(graphFile);
  return locations.map((location) => {
    const problem = locationProblem(location);
    if (problem) {
      throw new EngineError(
        'graph-invalid',
        `${graphFile} names ${JSON.stringify(location)} as the file of its weights: ${problem}. A graph may only read files beside it; this model is not loaded. Get the model from a source you trust.`,
        graphFile,
      );
    }
    return path.join(dir, location);
  });
}
