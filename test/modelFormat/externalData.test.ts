import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { onnx } from 'onnx-proto';
import { externalDataFiles, externalLocations, locationProblem } from '../../src/modelFormat/externalData';
import { MemorySource } from '../../src/modelFormat/onnxWire';
import { EngineError } from '../../src/shared/errors';
import { loadEngine } from '../support/loadedEngine';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { tinyModel } from '../support/tinyModels';

const DT = onnx.TensorProto.DataType;
const external = (name: string, location: string): onnx.ITensorProto => ({
  name,
  dataType: DT.FLOAT,
  dims: [1],
  dataLocation: onnx.TensorProto.DataLocation.EXTERNAL,
  externalData: [{ key: 'location', value: location }, { key: 'offset', value: '0' }, { key: 'length', value: '4' }],
});
const encode = (model: onnx.IModelProto): Uint8Array => onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
const locations = (model: onnx.IModelProto): string[] => externalLocations(new MemorySource(encode(model))).sort();

describe('external data of a model graph', () => {
  const folders = tempWorkspaces('slm-external-');
  after(() => folders.removeAll());

  it('finds the locations of initializers, sparse initializers, constants, subgraphs and functions', () => {
    const subgraph: onnx.IGraphProto = { name: 'then', initializer: [external('s', 'sub.bin')] };
    const model: onnx.IModelProto = {
      graph: {
        name: 'g',
        initializer: [external('a', 'model.onnx_data'), external('b', 'model.onnx_data_1'), { name: 'inline', dataType: DT.FLOAT, dims: [1], rawData: new Uint8Array(4) }],
        sparseInitializer: [{ values: external('v', 'sparse.bin'), indices: { name: 'i', dataType: DT.INT64, dims: [1], rawData: new Uint8Array(8) }, dims: [4] }],
        node: [
          { opType: 'Constant', output: ['c'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: external('c', 'constant.bin') }] },
          { opType: 'If', input: ['cond'], output: ['o'], attribute: [{ name: 'then_branch', type: onnx.AttributeProto.AttributeType.GRAPH, g: subgraph }] },
        ],
      },
      functions: [{ name: 'f', domain: 'x', node: [{ opType: 'Constant', output: ['k'], attribute: [{ name: 'value', type: onnx.AttributeProto.AttributeType.TENSOR, t: external('k', 'function.bin') }] }] }],
    };
    assert.deepEqual(locations(model), ['constant.bin', 'function.bin', 'model.onnx_data', 'model.onnx_data_1', 'sparse.bin', 'sub.bin']);
  });

  it('reads an entry whose value comes before its key, and names longer than 127 bytes', () => {
    const long = `${'w'.repeat(200)}.bin`;
    // StringStringEntryProto { value = 2, key = 1 }: a valid order a byte search for "location" misses.
    const entry = Buffer.concat([Buffer.from([0x12, 12]), Buffer.from('../../secret'), Buffer.from([0x0a, 8]), Buffer.from('location')]);
    const tensor = Buffer.concat([Buffer.from([0x6a, entry.length]), entry]); // field 13, length-delimited
    const graph = Buffer.concat([Buffer.from([0x2a, tensor.length]), tensor]); // GraphProto.initializer = 5
    const reordered = Buffer.concat([Buffer.from([0x3a, graph.length]), graph]); // ModelProto.graph = 7
    assert.deepEqual(externalLocations(new MemorySource(reordered)), ['../../secret']);
    assert.deepEqual(locations({ graph: { initializer: [external('w', long)] } }), [long]);
  });

  it('accepts names inside the folder and refuses the rest', () => {
    for (const ok of ['model.onnx_data', 'data/part_1', './model.onnx_data', 'a/../b.bin']) assert.equal(locationProblem(ok), undefined, ok);
    const refused: [string, RegExp][] = [
      ['../model.onnx_data', /outside/],
      ['data/../../x', /outside/],
      ['..\\..\\Windows\\win.ini', /outside/],
      ['/etc/passwd', /absolute/],
      ['C:\\Users\\me\\key', /absolute/],
      ['c:relative-to-drive', /absolute/],
      ['\\\\server\\share\\x', /absolute/],
      ['', /empty/],
      ['model\0.onnx_data', /malformed/],
      ['a/..', /no file name/],
    ];
    for (const [bad, why] of refused) assert.match(locationProblem(bad) ?? 'accepted', why, JSON.stringify(bad));
  });

  it('a graph whose weights would be read from outside its folder is refused before onnxruntime opens it', async () => {
    const good = await tinyModel('gqa', 'q4');
    const root = folders.folder();
    const dir = path.join(root, 'model');
    fs.cpSync(good, dir, { recursive: true });
    const graphFile = path.join(dir, 'onnx', fs.readdirSync(path.join(dir, 'onnx')).find((f) => f.endsWith('.onnx'))!);
    const model = onnx.ModelProto.decode(fs.readFileSync(graphFile));
    const dataName = model.graph!.initializer!.flatMap((t) => t.externalData ?? []).find((e) => e.key === 'location')!.value!;
    // The weights moved two levels up, and the graph pointing there: the files are all present and readable.
    fs.renameSync(path.join(dir, 'onnx', dataName), path.join(root, dataName));
    for (const t of model.graph!.initializer!) for (const e of t.externalData ?? []) if (e.key === 'location') e.value = `../../${dataName}`;
    fs.writeFileSync(graphFile, encode(model));

    assert.throws(() => externalDataFiles(graphFile), (err: unknown) => err instanceof EngineError && err.code === 'graph-invalid' && err.file === graphFile && /outside the model folder/.test(err.message));
    await assert.rejects(loadEngine({ modelDir: dir, device: 'cpu', threads: 1, cacheDir: path.join(root, 'cache') }), (err: unknown) => {
      assert.ok(err instanceof EngineError, String(err));
      assert.equal(err.code, 'graph-invalid');
      assert.match(err.message, /\.\.\/\.\.\/.*outside the model folder.*not loaded/);
      return true;
    });
    assert.ok(!fs.existsSync(path.join(root, 'cache', 'graphs')) || fs.readdirSync(path.join(root, 'cache', 'graphs')).length === 0, 'not even rewritten into the cache');
  });

  it('lists the data files of a generated model, inside its onnx/ folder', async () => {
    const dir = await tinyModel('standard', 'q4');
    const graphFile = path.join(dir, 'onnx', fs.readdirSync(path.join(dir, 'onnx')).find((f) => f.endsWith('.onnx'))!);
    const files = externalDataFiles(graphFile);
    assert.ok(files.length >= 1);
    for (const f of files) assert.equal(path.dirname(f), path.dirname(graphFile));
  });
});
