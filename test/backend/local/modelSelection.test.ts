import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { ModelSelection } from '../../../src/backend/local/modelSelection';
import type { Precision } from '../../../src/modelFormat/precision';
import { readSettings, type Settings } from '../../../src/settings/settings';
import { installCatalogModel } from '../../support/installedModel';

/** What the settings ask the local worker to load, resolved outside activate(). */
describe('ModelSelection', () => {
  let modelsDir: string;
  let values: Record<string, unknown>;
  let selection: ModelSelection;
  const settings = (): Settings => readSettings({ get: <T>(key: string) => values[key] as T }).settings;
  const paths = () => ({ modelsDir, defaultModelDir: '/ext/models/default', cacheDir: '/storage/cache' });

  beforeEach(() => {
    modelsDir = fs.mkdtempSync(path.join(os.tmpdir(), 'slm-selection-'));
    values = {};
    selection = new ModelSelection(paths(), settings);
  });
  afterEach(() => fs.rmSync(modelsDir, { recursive: true, force: true }));

  const install = (id: string, precision: Precision) => installCatalogModel(modelsDir, id, precision);

  it('with nothing set: the embedded model, on the device and precision the settings give', () => {
    values = { device: 'cpu', threads: 2 };
    assert.deepEqual(selection.current.plan, {
      completion: { role: 'completion', modelDir: '/ext/models/default', device: 'cpu', precision: 'auto', threads: 2, cacheDir: '/storage/cache' },
    });
    assert.equal(selection.current.missing, undefined);
  });

  it('a catalog id not downloaded yet: the embedded model meanwhile, and the download offered once', () => {
    values = { model: 'qwen2.5-coder-1.5b' };
    assert.equal(selection.current.plan.completion.modelDir, '/ext/models/default');
    assert.equal(selection.missingToOffer()?.id, 'qwen2.5-coder-1.5b');
    assert.equal(selection.missingToOffer(), undefined, 'offered once');
  });

  it('once downloaded, the download with the catalog\'s draft paired for a GPU; refresh says the plan changed', () => {
    values = { model: 'qwen2.5-coder-1.5b' };
    assert.equal(selection.current.plan.completion.modelDir, '/ext/models/default');
    const model = install('qwen2.5-coder-1.5b', 'q4');
    const draft = install('qwen2.5-coder-0.5b', 'q4');
    assert.equal(selection.refresh(), true);
    const { completion } = selection.current.plan;
    assert.equal(completion.modelDir, model);
    assert.equal(completion.draftModelDir, draft);
    assert.equal(completion.draftWhen, 'gpu');
    assert.deepEqual(selection.folders(), [model, draft]);
    assert.equal(selection.refresh(), false, 'nothing changed since');
  });

  it('an explicit draft is always loaded; speculation off leaves every draft out', () => {
    values = { model: '/models/big', draftModel: '/models/small' };
    assert.equal(selection.current.plan.completion.draftModelDir, '/models/small');
    assert.equal(selection.current.plan.completion.draftWhen, undefined);
    values = { ...values, speculation: 'off' };
    selection.refresh();
    assert.equal(selection.current.plan.completion.draftModelDir, undefined);
  });
});
