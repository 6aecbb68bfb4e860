import * as fs from 'node:fs';
import * as path from 'node:path';
import { downloadInProgress } from '../downloads/download';
import { MANIFEST_FILE, readModelManifest } from '../downloads/hub';
import { precisionOrder, type Precision, type PrecisionChoice } from '../modelFormat/precision';
import { CATALOG, catalogModel, catalogModelOfRepo, type CatalogModel } from './catalog';

/** A catalog model downloaded into the extension's storage. */
export interface InstalledModel {
  dir: string;
  model: CatalogModel;
  precision: Precision;
}

/** Where a catalog model of a precision is (or will be) downloaded. */
export function installedModelDir(modelsDir: string, model: CatalogModel, precision: Precision): string {
  return path.join(modelsDir, `${model.id}-${precision}`);
}

/** Complete downloads only: a folder without its manifest is a download that did not finish. */
export function listInstalledModels(modelsDir: string, catalog: readonly CatalogModel[] = CATALOG): InstalledModel[] {
  return modelFolders(modelsDir).map((dir) => installedModelAt(dir, catalog)).filter((m): m is InstalledModel => !!m);
}

/** The catalog model downloaded into `dir`, by its manifest; undefined for any other folder. */
export function installedModelAt(dir: string, catalog: readonly CatalogModel[] = CATALOG): InstalledModel | undefined {
  const manifest = readModelManifest(dir);
  const model = manifest && catalogModelOfRepo(manifest.repo, catalog);
  return manifest && model ? { dir, model, precision: manifest.precision } : undefined;
}

/** The folders in the models folder, sorted; none when it does not exist yet. */
function modelFolders(modelsDir: string): string[] {
  try {
    return fs.readdirSync(modelsDir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(modelsDir, e.name)).sort();
  } catch {
    return [];
  }
}

/** A folder in the models folder that is not a complete download: a download that did not finish (kept so the next try resumes) or a deletion cut short. */
export interface IncompleteDownload {
  dir: string;
  bytes: number;
  /** A download is writing to it now. */
  inProgress: boolean;
}

export function listIncompleteDownloads(modelsDir: string): IncompleteDownload[] {
  return modelFolders(modelsDir)
    .filter((dir) => !readModelManifest(dir))
    .map((dir) => ({ dir, bytes: folderBytes(dir), inProgress: downloadInProgress(dir) }));
}

/** Bytes of the files under `dir`. */
export function folderBytes(dir: string): number {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) total += fs.statSync(path.join(entry.parentPath, entry.name)).size;
  }
  return total;
}

/**
 * Deletes a downloaded model or an incomplete download. The manifest goes first: a deletion cut
 * short leaves a folder that is no longer listed as a model, and is offered again as incomplete.
 */
export function removeModelFolder(dir: string): void {
  fs.rmSync(path.join(dir, MANIFEST_FILE), { force: true });
  fs.rmSync(dir, { recursive: true, force: true });
}

/** What `slm.model` (or `slm.draftModel`, `slm.chatModel`) names. */
export type ModelChoice =
  | { kind: 'default' }
  | { kind: 'folder'; dir: string }
  /** A catalog id; `installed` is absent when it has not been downloaded (in that precision). */
  | { kind: 'catalog'; model: CatalogModel; installed?: InstalledModel };

/** A folder path is used as is; a catalog id resolves to its installed folder, best precision first. */
export function resolveModelChoice(
  value: string,
  modelsDir: string,
  precision: PrecisionChoice,
  device: 'cpu' | 'gpu',
  catalog: readonly CatalogModel[] = CATALOG,
): ModelChoice {
  if (!value) return { kind: 'default' };
  const model = catalogModel(value, catalog);
  if (!model) return { kind: 'folder', dir: value };
  const installed = listInstalledModels(modelsDir, catalog).filter((m) => m.model === model);
  for (const p of precisionOrder(precision, device)) {
    const match = installed.find((m) => m.precision === p);
    if (match) return { kind: 'catalog', model, installed: match };
  }
  return { kind: 'catalog', model };
}

/**
 * The draft model the catalog pairs with the model in `modelDir`, if it is installed: the same
 * precision as the model where there is one.
 */
export function catalogDraft(modelDir: string, modelsDir: string, catalog: readonly CatalogModel[] = CATALOG): { dir: string; model: CatalogModel; when: 'gpu' } | undefined {
  const target = installedModelAt(modelDir, catalog);
  const pairing = target?.model.draft;
  const draftModel = pairing && catalogModel(pairing.id, catalog);
  if (!target || !pairing || !draftModel) return undefined;
  const drafts = listInstalledModels(modelsDir, catalog).filter((m) => m.model === draftModel);
  const draft = drafts.find((m) => m.precision === target.precision) ?? drafts[0];
  return draft && { dir: draft.dir, model: draftModel, when: pairing.when };
}
