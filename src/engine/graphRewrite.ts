/**
 * Load-time fixes to a decoder graph that onnxruntime cannot be told about by options:
 *
 * 1. MatMulNBits nodes without `accuracy_level` (as onnx-community q4 exports ship them) run
 *    MLAS's fp32 path; level 4 (int8 activations) decodes ~1.6x faster. onnxruntime 1.30 has no
 *    session option for existing nodes: `session.qdq_matmulnbits_accuracy_level` only applies
 *    when it fuses DequantizeLinear+MatMul into a new MatMulNBits. So the attribute is rewritten.
 * 2. Graphs without `num_logits_to_keep` compute logits for every prompt position (~30-40% of
 *    prefill, 311 MB for 512 tokens). A `num_logits_to_keep` input (HF semantics: 0 = all) is
 *    added with a Slice of the final hidden state before the lm_head.
 * 3. onnxruntime-node copies every output into a new JavaScript buffer, so present.* outputs
 *    that hold the whole cache cost a copy of it per step (12-15 ms at 1,000 tokens of the 0.5B,
 *    more than its attention). Each present.N.key|value gets a Slice to the positions the run
 *    fed, as output present.N.key|value.new; the cache (kvCache.ts) appends them.
 *
 * The graph is edited at the protobuf wire level: weights are never decoded, fields unknown to
 * any ONNX schema version pass through byte for byte, and a huge single-file model is streamed.
 * Results are cached in `cacheDir` keyed by (absolute path, size, mtime, rewrite version); the
 * user's model folder is never written. The rewritten graph is loaded from the cache with
 * `session.model_external_initializers_file_folder_path` pointing at the original folder, so
 * its `.onnx_data` files are read in place (onnxruntime refuses absolute external paths).
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeAll, writeFileAtomically } from '../shared/atomicFile';
import {
  ByteSource,
  concat,
  Field,
  FileSource,
  lenField,
  MemorySource,
  readFields,
  readString,
  varint,
  varintField,
  WireError,
} from '../modelFormat/onnxWire';
import { NEW_ROWS } from './contract';

export interface PreparedGraph {
  /** What to hand to `InferenceSession.create`: the original path, a cached rewrite, or bytes. */
  model: string | Uint8Array;
  /** `session.*` config entries the session must be created with (merge into `extra`). */
  sessionConfig: Record<string, string>;
  /** Human-readable list of what was changed; empty when the graph is used as is. */
  changes: string[];
}

/** Bump when the rewrite's output changes: old cache entries are then ignored and pruned. */
export const GRAPH_REWRITE_VERSION = 2;

export const EXTERNAL_FOLDER_KEY = 'session.model_external_initializers_file_folder_path';
export const TARGET_ACCURACY_LEVEL = 4;

/** Files up to this size are read whole; larger ones (weights inline) are scanned in place. */
const READ_WHOLE_LIMIT = 64 << 20;

// ONNX field numbers (onnx.proto).
const MODEL_GRAPH = 7;
const MODEL_OPSET = 8;
const OPSET_DOMAIN = 1;
const OPSET_VERSION = 2;
const GRAPH_NODE = 1;
const GRAPH_INPUT = 11;
const GRAPH_OUTPUT = 12;
const NODE_INPUT = 1;
const NODE_OUTPUT = 2;
const NODE_NAME = 3;
const NODE_OP = 4;
const NODE_ATTR = 5;
const NODE_DOMAIN = 7;
const ATTR_NAME = 1;
const ATTR_I = 3;
const ATTR_T = 5;
const ATTR_G = 6;
const ATTR_GRAPHS = 11;
const ATTR_TYPE = 20;
const ATTR_TYPE_INT = 2;
const ATTR_TYPE_TENSOR = 4;
const TENSOR_DIMS = 1;
const TENSOR_DTYPE = 2;
const TENSOR_RAW = 9;
const DTYPE_INT64 = 7;
const VALUE_NAME = 1;
const VALUE_TYPE = 2;
const TYPE_TENSOR = 1;
const TENSOR_TYPE_ELEM = 1;

const LOGITS_KEEP_INPUT = 'num_logits_to_keep';
const PREFIX = '/slm_rewrite/logits_to_keep';

export interface PrepareOptions {
  /** Files up to this many bytes are read whole (default 64 MiB); larger ones are scanned in place. */
  readWholeLimit?: number;
}

interface CacheMeta {
  version: number;
  source: string;
  size: number;
  mtimeMs: number;
  changes: string[];
  sessionConfig: Record<string, string>;
  /** File name of the rewritten graph inside cacheDir; null when the original is used. */
  file: string | null;
  fileSize: number;
}

/**
 * Returns the graph to load for `onnxPath`, rewriting (and caching) it when it benefits from
 * the fixes above. Throws an Error naming the file when it is not a readable ONNX model.
 */
export async function prepareGraph(onnxPath: string, cacheDir: string, options: PrepareOptions = {}): Promise<PreparedGraph> {
  const abs = path.resolve(onnxPath);
  let stat: fs.Stats;
  try {
    stat = fs.statSync(abs);
  } catch (err) {
    throw new Error(`Cannot read the model graph ${abs}: ${(err as Error).message}`);
  }
  if (!stat.isFile()) throw new Error(`The model graph ${abs} is not a file`);
  // Whole milliseconds: sub-millisecond mtimes do not survive every copy tool or filesystem.
  const mtimeMs = Math.trunc(stat.mtimeMs);
  const key = createHash('sha256')
    .update(`${GRAPH_REWRITE_VERSION}\0${abs}\0${stat.size}\0${mtimeMs}`)
    .digest('hex')
    .slice(0, 24);
  const metaPath = path.join(cacheDir, `graph-${key}.json`);

  const cached = readCache(metaPath, cacheDir, abs, stat.size, mtimeMs);
  if (cached) return cached;

  const fd = fs.openSync(abs, 'r');
  try {
    const src: ByteSource =
      stat.size <= (options.readWholeLimit ?? READ_WHOLE_LIMIT) ? new MemorySource(readWhole(fd, stat.size)) : new FileSource(fd, stat.size);
    let plan: RewritePlan;
    try {
      plan = planRewrite(src);
    } catch (err) {
      if (err instanceof WireError) {
        throw new Error(`${abs} is not a valid ONNX model (the file may be truncated or corrupt: ${err.message}). Re-download it.`);
      }
      throw err;
    }
    const sessionConfig: Record<string, string> = plan.changes.length ? { [EXTERNAL_FOLDER_KEY]: path.dirname(abs) } : {};
    const meta: CacheMeta = {
      version: GRAPH_REWRITE_VERSION,
      source: abs,
      size: stat.size,
      mtimeMs,
      changes: plan.changes,
      sessionConfig,
      file: plan.changes.length ? `graph-${key}.onnx` : null,
      fileSize: plan.changes.length ? pieceLength(plan.pieces) : 0,
    };
    try {
      fs.mkdirSync(cacheDir, { recursive: true });
      if (meta.file) writePiecesAtomic(path.join(cacheDir, meta.file), plan.pieces, src);
      writeFileAtomically(metaPath, (fd) => writeAll(fd, Buffer.from(JSON.stringify(meta, null, 1))));
      pruneStale(cacheDir, abs, key);
    } catch (err) {
      // An unwritable cache costs a rewrite per load, not the load itself.
      if (!meta.file) return { model: abs, sessionConfig: {}, changes: [] };
      return {
        model: materialize(plan.pieces, src),
        sessionConfig,
        changes: [...plan.changes, `not cached: ${(err as Error).message}`],
      };
    }
    if (!meta.file) return { model: abs, sessionConfig: {}, changes: [] };
    return { model: path.join(cacheDir, meta.file), sessionConfig, changes: plan.changes };
  } finally {
    fs.closeSync(fd);
  }
}

function readWhole(fd: number, size: number): Uint8Array {
  const buf = Buffer.allocUnsafe(size);
  let got = 0;
  while (got < size) {
    const n = fs.readSync(fd, buf, got, size - got, got);
    if (n === 0) break;
    got += n;
  }
  return buf.subarray(0, got);
}

function readCache(metaPath: string, cacheDir: string, abs: string, size: number, mtimeMs: number): PreparedGraph | null {
  let meta: CacheMeta;
  try {
    meta = JSON.parse(fs.readFileSync(metaPath, 'utf8')) as CacheMeta;
  } catch {
    return null;
  }
  if (meta.version !== GRAPH_REWRITE_VERSION || meta.source !== abs || meta.size !== size || meta.mtimeMs !== mtimeMs) {
    return null;
  }
  if (!meta.file) return { model: abs, sessionConfig: {}, changes: [] };
  const file = path.join(cacheDir, meta.file);
  try {
    if (fs.statSync(file).size !== meta.fileSize) return null;
  } catch {
    return null;
  }
  return { model: file, sessionConfig: meta.sessionConfig, changes: meta.changes };
}

function pruneStale(cacheDir: string, abs: string, key: string): void {
  for (const name of fs.readdirSync(cacheDir)) {
    const m = /^graph-([0-9a-f]+)\.json$/.exec(name);
    if (!m || m[1] === key) continue;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(cacheDir, name), 'utf8')) as CacheMeta;
      if (meta.source !== abs) continue;
      if (meta.file) fs.rmSync(path.join(cacheDir, meta.file), { force: true });
      fs.rmSync(path.join(cacheDir, name), { force: true });
    } catch {
      // another process may be pruning too
    }
  }
}

// ---------------------------------------------------------------- output as pieces

/** The output is a list of new bytes and ranges copied from the source. */
type Piece = Uint8Array | { pos: number; len: number };

function pieceLength(pieces: Piece[]): number {
  let n = 0;
  for (const p of pieces) n += p instanceof Uint8Array ? p.length : p.len;
  return n;
}

function pushRange(out: Piece[], pos: number, len: number): void {
  const last = out[out.length - 1];
  if (last && !(last instanceof Uint8Array) && last.pos + last.len === pos) last.len += len;
  else out.push({ pos, len });
}

function materialize(pieces: Piece[], src: ByteSource): Uint8Array {
  return concat(pieces.map((p) => (p instanceof Uint8Array ? p : src.bytes(p.pos, p.len))));
}

function writePiecesAtomic(file: string, pieces: Piece[], src: ByteSource): void {
  writeFileAtomically(file, (fd) => {
    const chunk = 16 << 20;
    for (const p of pieces) {
      if (p instanceof Uint8Array) {
        writeAll(fd, p);
        continue;
      }
      for (let o = 0; o < p.len; o += chunk) writeAll(fd, src.bytes(p.pos + o, Math.min(chunk, p.len - o)));
    }
  });
}

// ---------------------------------------------------------------- analysis

interface NodeInfo {
  field: Field;
  bytes: Uint8Array;
  inputs: string[];
  outputs: string[];
  name: string;
  opType: string;
  domain: string;
  /** accuracy_level attribute value, undefined when absent. */
  accuracyLevel?: number;
  hasSubgraph: boolean;
}

interface RewritePlan {
  changes: string[];
  pieces: Piece[];
}

function parseNode(bytes: Uint8Array, field: Field): NodeInfo {
  const src = new MemorySource(bytes);
  const node: NodeInfo = { field, bytes, inputs: [], outputs: [], name: '', opType: '', domain: '', hasSubgraph: false };
  for (const f of readFields(src, 0, bytes.length)) {
    if (f.no === NODE_INPUT) node.inputs.push(readString(src, f));
    else if (f.no === NODE_OUTPUT) node.outputs.push(readString(src, f));
    else if (f.no === NODE_NAME) node.name = readString(src, f);
    else if (f.no === NODE_OP) node.opType = readString(src, f);
    else if (f.no === NODE_DOMAIN) node.domain = readString(src, f);
    else if (f.no === NODE_ATTR) {
      const attr = parseAttr(src, f);
      if (attr.name === 'accuracy_level') node.accuracyLevel = attr.i ?? 0;
      if (attr.hasSubgraph) node.hasSubgraph = true;
    }
  }
  return node;
}

function parseAttr(src: ByteSource, f: Field): { name: string; i?: number; hasSubgraph: boolean } {
  let name = '';
  let i: number | undefined;
  let hasSubgraph = false;
  for (const a of readFields(src, f.start, f.end)) {
    if (a.no === ATTR_NAME) name = readString(src, a);
    else if (a.no === ATTR_I) i = a.value;
    else if (a.no === ATTR_G || a.no === ATTR_GRAPHS) hasSubgraph = true;
  }
  return { name, i, hasSubgraph };
}

function needsAccuracy(node: NodeInfo): boolean {
  return node.opType === 'MatMulNBits' && node.domain === 'com.microsoft' && !node.accuracyLevel;
}

interface EditCount {
  accuracy: number;
}

/**
 * Re-encodes one node: accuracy_level set, input 0 renamed, subgraphs (If/Loop bodies) edited.
 * Returns null when nothing changed.
 */
function editNode(node: NodeInfo, count: EditCount, replaceInputs?: Map<number, string>): Uint8Array | null {
  const setAccuracy = needsAccuracy(node);
  if (!setAccuracy && !replaceInputs && !node.hasSubgraph) return null;
  const src = new MemorySource(node.bytes);
  const out: Uint8Array[] = [];
  let changed = false;
  let inputIndex = 0;
  for (const f of readFields(src, 0, node.bytes.length)) {
    const raw = node.bytes.subarray(f.tagStart, f.end);
    if (f.no === NODE_INPUT) {
      const replacement = replaceInputs?.get(inputIndex++);
      if (replacement !== undefined) {
        out.push(lenField(NODE_INPUT, replacement));
        changed = true;
        continue;
      }
    } else if (f.no === NODE_ATTR) {
      const attr = parseAttr(src, f);
      if (setAccuracy && attr.name === 'accuracy_level') continue;
      if (attr.hasSubgraph) {
        const edited = editAttrSubgraphs(node.bytes.subarray(f.start, f.end), count);
        if (edited) {
          out.push(lenField(NODE_ATTR, edited));
          changed = true;
          continue;
        }
      }
    }
    out.push(raw);
  }
  if (setAccuracy) {
    out.push(lenField(NODE_ATTR, intAttr('accuracy_level', TARGET_ACCURACY_LEVEL)));
    count.accuracy++;
    changed = true;
  }
  return changed ? concat(out) : null;
}

function editAttrSubgraphs(attr: Uint8Array, count: EditCount): Uint8Array | null {
  const src = new MemorySource(attr);
  const out: Uint8Array[] = [];
  let changed = false;
  for (const f of readFields(src, 0, attr.length)) {
    if (f.no === ATTR_G || f.no === ATTR_GRAPHS) {
      const edited = editSubgraph(attr.subarray(f.start, f.end), count);
      if (edited) {
        out.push(lenField(f.no, edited));
        changed = true;
        continue;
      }
    }
    out.push(attr.subarray(f.tagStart, f.end));
  }
  return changed ? concat(out) : null;
}

function editSubgraph(graph: Uint8Array, count: EditCount): Uint8Array | null {
  const src = new MemorySource(graph);
  const out: Uint8Array[] = [];
  let changed = false;
  for (const f of readFields(src, 0, graph.length)) {
    if (f.no === GRAPH_NODE) {
      const edited = editNode(parseNode(graph.subarray(f.start, f.end), f), count);
      if (edited) {
        out.push(lenField(GRAPH_NODE, edited));
        changed = true;
        continue;
      }
    }
    out.push(graph.subarray(f.tagStart, f.end));
  }
  return changed ? concat(out) : null;
}

/** Reads the model's structure (never its weights) and lays out the rewritten file. */
function planRewrite(src: ByteSource): RewritePlan {
  const modelFields = readFields(src, 0, src.size);
  const graphField = modelFields.find((f) => f.no === MODEL_GRAPH && f.wt === 2);
  if (!graphField) throw new WireError('no graph in the file');
  const opsets = new Map<string, number>();
  for (const f of modelFields) {
    if (f.no !== MODEL_OPSET || f.wt !== 2) continue;
    let domain = '';
    let version = 0;
    for (const o of readFields(src, f.start, f.end)) {
      if (o.no === OPSET_DOMAIN) domain = readString(src, o);
      else if (o.no === OPSET_VERSION) version = o.value ?? 0;
    }
    opsets.set(domain === 'ai.onnx' ? '' : domain, version);
  }

  const graphFields = readFields(src, graphField.start, graphField.end);
  const nodes: NodeInfo[] = [];
  const inputs: string[] = [];
  const outputFields = new Map<string, Field>();
  for (const f of graphFields) {
    if (f.no === GRAPH_NODE) nodes.push(parseNode(src.bytes(f.start, f.end - f.start), f));
    else if (f.no === GRAPH_INPUT || f.no === GRAPH_OUTPUT) {
      let name = '';
      for (const v of readFields(src, f.start, f.end)) if (v.no === VALUE_NAME) name = readString(src, v);
      if (f.no === GRAPH_INPUT) inputs.push(name);
      else outputFields.set(name, f);
    }
  }
  if (nodes.length === 0) throw new WireError('the graph has no nodes');

  const changes: string[] = [];
  const count: EditCount = { accuracy: 0 };
  const edited = new Map<NodeInfo, Uint8Array>();

  // num_logits_to_keep: Slice the final hidden state feeding the lm_head.
  const logits = planLogitsSlice(nodes, inputs, [...outputFields.keys()], opsets);
  if (logits) {
    for (const [node, replace] of logits.edits) {
      const bytes = editNode(node, count, replace);
      if (bytes) edited.set(node, bytes);
    }
    changes.push(`added input ${LOGITS_KEEP_INPUT} (int64; 0 = all positions): Slice of ${logits.hidden} before the lm_head ${logits.lmHead.opType} ${logits.lmHead.name || logits.lmHead.outputs[0]}`);
  }
  const present = planPresentSlices(src, nodes, inputs, outputFields, opsets);
  if (present) changes.push(`${present.outputs.size} present.* outputs sliced to the positions each run feeds (present.N.key|value${NEW_ROWS}): onnxruntime-node copies outputs out whole`);
  for (const node of nodes) {
    if (edited.has(node)) continue;
    const bytes = editNode(node, count);
    if (bytes) edited.set(node, bytes);
  }
  if (count.accuracy > 0) changes.push(`accuracy_level=${TARGET_ACCURACY_LEVEL} on ${count.accuracy} MatMulNBits node(s) that had none or 0`);
  if (changes.length === 0 && edited.size > 0) changes.push('edited subgraphs');
  if (changes.length === 0) return { changes, pieces: [] };

  const byField = new Map<Field, NodeInfo>(nodes.map((n) => [n.field, n]));
  const lastInput = graphFields.reduce((last, f, i) => (f.no === GRAPH_INPUT ? i : last), -1);
  const lastNode = graphFields.reduce((last, f, i) => (f.no === GRAPH_NODE ? i : last), -1);
  const renamedOutputs = new Map([...(present?.outputs ?? [])].map(([name, info]) => [outputFields.get(name)!, info]));
  const graphPieces: Piece[] = [];
  graphFields.forEach((f, i) => {
    const node = byField.get(f);
    if (node && logits && node === logits.insertBefore) for (const n of logits.newNodes) graphPieces.push(lenField(GRAPH_NODE, n));
    const bytes = node && edited.get(node);
    const output = renamedOutputs.get(f);
    if (bytes) graphPieces.push(lenField(GRAPH_NODE, bytes));
    else if (output) graphPieces.push(lenField(GRAPH_OUTPUT, output));
    else pushRange(graphPieces, f.tagStart, f.end - f.tagStart);
    if (i === lastInput && logits) graphPieces.push(lenField(GRAPH_INPUT, logits.newInput));
    // After every node: the slices read the present.* values wherever they are produced.
    if (i === lastNode && present) for (const n of present.newNodes) graphPieces.push(lenField(GRAPH_NODE, n));
  });
  if (lastInput < 0 && logits) graphPieces.push(lenField(GRAPH_INPUT, logits.newInput));

  const pieces: Piece[] = [];
  for (const f of modelFields) {
    if (f === graphField) {
      pieces.push(concat([varint(MODEL_GRAPH * 8 + 2), varint(pieceLength(graphPieces))]));
      for (const p of graphPieces) {
        if (p instanceof Uint8Array) pieces.push(p);
        else pushRange(pieces, p.pos, p.len);
      }
    } else {
      pushRange(pieces, f.tagStart, f.end - f.tagStart);
    }
  }
  return { changes, pieces };
}

interface LogitsPlan {
  lmHead: NodeInfo;
  hidden: string;
  /** Nodes whose inputs are renamed (input index -> new name). */
  edits: Map<NodeInfo, Map<number, string>>;
  /** The new nodes go right before this one (the first consumer of the sliced state). */
  insertBefore: NodeInfo;
  newNodes: Uint8Array[];
  newInput: Uint8Array;
}

const PASS_THROUGH = new Set(['Cast', 'Identity']);
const LM_HEAD_OPS = new Set(['MatMul', 'MatMulNBits', 'Gemm', 'FusedMatMul']);

/**
 * Finds the lm_head and the final hidden state [B, S, H] feeding it. Two shapes of graph:
 *   A) logits <- (Cast|Identity)* <- MatMul|MatMulNBits(h, W)                  (HF/optimum, genai)
 *   B) logits <- (Cast|Identity)* <- Reshape(y, shape) <- (Cast)* <- Gemm|MatMul(Reshape(h, [-1, H]), W)
 * In B the outer Reshape's target shape (often built from input_ids) is replaced by
 * [B, S', -1] taken from the sliced hidden state.
 */
function planLogitsSlice(nodes: NodeInfo[], inputs: string[], outputs: string[], opsets: Map<string, number>): LogitsPlan | null {
  if (inputs.includes(LOGITS_KEEP_INPUT) || inputs.includes('logits_to_keep')) return null;
  if (!outputs.includes('logits')) return null;
  // Slice with negative axes needs opset 11; Neg on int64 needs 6.
  if ((opsets.get('') ?? 0) < 11) return null;
  const producer = new Map<string, NodeInfo>();
  for (const n of nodes) for (const o of n.outputs) producer.set(o, n);
  const skip = (n: NodeInfo | undefined): NodeInfo | undefined => {
    for (let hops = 0; n && PASS_THROUGH.has(n.opType) && hops < 4; hops++) n = producer.get(n.inputs[0]);
    return n;
  };
  let node = skip(producer.get('logits'));
  let outerReshape: NodeInfo | undefined;
  let flatten: NodeInfo | undefined;
  if (node?.opType === 'Reshape') {
    outerReshape = node;
    node = skip(producer.get(node.inputs[0]));
    flatten = node && producer.get(node.inputs[0]);
    if (flatten?.opType !== 'Reshape') return null;
  }
  if (!node || !LM_HEAD_OPS.has(node.opType) || node.hasSubgraph) return null;
  if (node.opType === 'Gemm' && !outerReshape) return null;
  const lmHead = node;
  const consumer = flatten ?? lmHead;
  const hidden = consumer.inputs[0];
  if (!hidden || !producer.has(hidden)) return null;

  const t = (s: string) => `${PREFIX}/${s}`;
  const sliced = t('hidden_last');
  const newNodes = [
    encodeNode('Constant', [], [t('minus_one')], t('minus_one'), [tensorAttr('value', [-1n])]),
    encodeNode('Reshape', [LOGITS_KEEP_INPUT, t('minus_one')], [t('keep_1d')], t('reshape')),
    encodeNode('Neg', [t('keep_1d')], [t('starts')], t('neg')),
    encodeNode('Constant', [], [t('ends')], t('ends'), [tensorAttr('value', [0x7fffffffffffffffn])]),
    encodeNode('Constant', [], [t('axes')], t('axes'), [tensorAttr('value', [-2n])]),
    encodeNode('Slice', [hidden, t('starts'), t('ends'), t('axes')], [sliced], t('slice')),
  ];
  const edits = new Map<NodeInfo, Map<number, string>>([[consumer, new Map([[0, sliced]])]]);
  if (outerReshape) {
    newNodes.push(
      encodeNode('Shape', [sliced], [t('hidden_shape')], t('hidden_shape')),
      encodeNode('Constant', [], [t('zero')], t('zero'), [tensorAttr('value', [0n])]),
      encodeNode('Constant', [], [t('two')], t('two'), [tensorAttr('value', [2n])]),
      encodeNode('Slice', [t('hidden_shape'), t('zero'), t('two')], [t('batch_seq')], t('batch_seq')),
      encodeNode('Concat', [t('batch_seq'), t('minus_one')], [t('logits_shape')], t('logits_shape'), [intAttr('axis', 0)]),
    );
    edits.set(outerReshape, new Map([[1, t('logits_shape')]]));
  }
  // No shape: accepts a scalar (transformers.js) or a [1] tensor.
  const newInput = valueInfo(LOGITS_KEEP_INPUT, DTYPE_INT64);
  return { lmHead, hidden, edits, insertBefore: consumer, newNodes, newInput };
}

interface PresentPlan {
  newNodes: Uint8Array[];
  /** Graph output name -> the ValueInfo of its sliced replacement. */
  outputs: Map<string, Uint8Array>;
}

const PRESENT_OUTPUT = /^present\.(\d+)\.(key|value)$/;
const PRESENT_PREFIX = '/slm_rewrite/present_new';

/**
 * present.N.key|value [B, kvHeads, past + S, headDim] -> Slice from the past input's length on
 * the sequence axis -> present.N.key|value.new [B, kvHeads, S, headDim]. The full present stays
 * an inner value of the graph.
 */
function planPresentSlices(src: ByteSource, nodes: NodeInfo[], inputs: string[], outputFields: Map<string, Field>, opsets: Map<string, number>): PresentPlan | null {
  if ((opsets.get('') ?? 0) < 11) return null;
  const produced = new Set(nodes.flatMap((n) => n.outputs));
  const t = (s: string) => `${PRESENT_PREFIX}/${s}`;
  const newNodes = [
    encodeNode('Constant', [], [t('two')], t('two'), [tensorAttr('value', [2n])]),
    encodeNode('Constant', [], [t('three')], t('three'), [tensorAttr('value', [3n])]),
    encodeNode('Constant', [], [t('end')], t('end'), [tensorAttr('value', [0x7fffffffffffffffn])]),
  ];
  const outputs = new Map<string, Uint8Array>();
  for (const [name, field] of outputFields) {
    const m = PRESENT_OUTPUT.exec(name);
    const past = m && `past_key_values.${m[1]}.${m[2]}`;
    if (!past || !inputs.includes(past) || !produced.has(name) || outputFields.has(name + NEW_ROWS)) continue;
    newNodes.push(
      encodeNode('Shape', [past], [t(`${name}/past_shape`)], t(`${name}/past_shape`)),
      encodeNode('Slice', [t(`${name}/past_shape`), t('two'), t('three')], [t(`${name}/past_length`)], t(`${name}/past_length`)),
      encodeNode('Slice', [name, t(`${name}/past_length`), t('end'), t('two')], [name + NEW_ROWS], t(`${name}/slice`)),
    );
    // Element type only: the sequence length of the slice has no name in the original's shape.
    outputs.set(name, valueInfo(name + NEW_ROWS, elemType(src, field)));
  }
  return outputs.size ? { newNodes, outputs } : null;
}

/** A tensor ValueInfo's element type (1 = float when the file does not say). */
function elemType(src: ByteSource, info: Field): number {
  for (const v of readFields(src, info.start, info.end)) {
    if (v.no !== VALUE_TYPE) continue;
    for (const ty of readFields(src, v.start, v.end)) {
      if (ty.no !== TYPE_TENSOR) continue;
      for (const e of readFields(src, ty.start, ty.end)) if (e.no === TENSOR_TYPE_ELEM) return e.value ?? 1;
    }
  }
  return 1;
}

/** A tensor ValueInfo with a name and an element type, no shape. */
function valueInfo(name: string, elemType: number): Uint8Array {
  return concat([lenField(VALUE_NAME, name), lenField(VALUE_TYPE, lenField(TYPE_TENSOR, varintField(TENSOR_TYPE_ELEM, elemType)))]);
}

function encodeNode(op: string, inputs: string[], outputs: string[], name: string, attrs: Uint8Array[] = []): Uint8Array {
  return concat([
    ...inputs.map((i) => lenField(NODE_INPUT, i)),
    ...outputs.map((o) => lenField(NODE_OUTPUT, o)),
    lenField(NODE_NAME, name),
    lenField(NODE_OP, op),
    ...attrs.map((a) => lenField(NODE_ATTR, a)),
  ]);
}

function intAttr(name: string, value: number): Uint8Array {
  return concat([lenField(ATTR_NAME, name), varintField(ATTR_I, value), varintField(ATTR_TYPE, ATTR_TYPE_INT)]);
}

function tensorAttr(name: string, values: bigint[]): Uint8Array {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, v, true));
  const tensor = concat([varintField(TENSOR_DIMS, values.length), varintField(TENSOR_DTYPE, DTYPE_INT64), lenField(TENSOR_RAW, raw)]);
  return concat([lenField(ATTR_NAME, name), lenField(ATTR_T, tensor), varintField(ATTR_TYPE, ATTR_TYPE_TENSOR)]);
}
