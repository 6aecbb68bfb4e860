import * as fs from 'node:fs';
import * as path from 'node:path';
import { MANIFEST_FILE, type ModelManifest } from '../../src/downloads/hub';
import type { Precision } from '../../src/modelFormat/precision';
import { catalogModel } from '../../src/models/catalog';
import { installedModelDir } from '../../src/models/installedModels';

/** A finished download of a catalog model as downloadModel leaves it: the folder and its manifest (no weights). */
export function installCatalogModel(modelsDir: string, id: string, precision: Precision): string {
  const model = catalogModel(id);
  if (!model) throw new Error(`${id} is not in the catalog`);
  const dir = installedModelDir(modelsDir, model, precision);
  fs.mkdirSync(dir, { recursive: true });
  const manifest: ModelManifest = { repo: model.repo, revision: 'main', commit: 'c0ffee', precision, files: [], downloadedAt: new Date(0).toISOString() };
  fs.writeFileSync(path.join(dir, MANIFEST_FILE), JSON.stringify(manifest));
  return dir;
}
