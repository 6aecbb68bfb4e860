import type { Settings } from '../../settings/settings';
import type { CatalogModel } from '../../models/catalog';
import { catalogDraft, resolveModelChoice } from '../../models/installedModels';
import type { LoadParams } from '../../worker/protocol';
import type { LoadPlan } from './modelController';

export interface SelectionPaths {
  /** Where catalog models are downloaded (the extension's global storage). */
  modelsDir: string;
  /** The model shipped with the extension, used while `slm.model` names nothing loadable yet. */
  defaultModelDir: string;
  /** Where rewritten graphs are cached. */
  cacheDir: string;
}

export interface Selection {
  plan: LoadPlan;
  /** A catalog model the settings name that is not downloaded yet (the embedded model, or no draft, stands in). */
  missing?: CatalogModel;
}

/**
 * Which models the settings ask for: `slm.model` and `slm.draftModel` as catalog ids or
 * folders, the precision for the device, and the catalog's draft pairing. Resolving reads the
 * models folder, so it is done when the settings or the downloaded models change, not per
 * request.
 */
export class ModelSelection {
  private resolved: Selection | undefined;
  private toldMissing = '';

  constructor(private readonly paths: SelectionPaths, private settings: () => Settings) {}

  get current(): Selection {
    return (this.resolved ??= select(this.settings(), this.paths));
  }

  /** Resolves the settings again (they changed, or a model was downloaded or removed); true when the models to load changed. */
  refresh(): boolean {
    const before = JSON.stringify(this.resolved?.plan);
    this.resolved = select(this.settings(), this.paths);
    return JSON.stringify(this.resolved.plan) !== before;
  }

  /** The missing catalog model to offer for download, once per model: undefined when there is none, or it was offered already. */
  missingToOffer(): CatalogModel | undefined {
    const { missing } = this.current;
    if (!missing || this.toldMissing === missing.id) return undefined;
    this.toldMissing = missing.id;
    return missing;
  }

  /** The folders the plan loads (they must be released before they are deleted). */
  folders(): string[] {
    const { completion, chat } = this.current.plan;
    return [...new Set([completion.modelDir, completion.draftModelDir, chat?.modelDir].filter((dir): dir is string => !!dir))];
  }
}

export function select(settings: Settings, paths: SelectionPaths): Selection {
  /** A catalog id resolves to its download, or to nothing until it is downloaded. */
  const folderOf = (value: string): { dir?: string; missing?: CatalogModel } => {
    const choice = resolveModelChoice(value, paths.modelsDir, settings.precision, settings.device === 'gpu' ? 'gpu' : 'cpu');
    if (choice.kind === 'folder') return { dir: choice.dir };
    if (choice.kind === 'catalog') return choice.installed ? { dir: choice.installed.dir } : { missing: choice.model };
    return {};
  };
  const model = folderOf(settings.model);
  const modelDir = model.dir ?? paths.defaultModelDir;
  // An explicit draft is always loaded; the catalog's pairing only where it pays (on a GPU).
  const draft = settings.draftModel ? folderOf(settings.draftModel) : {};
  const paired = !settings.draftModel && settings.completion.speculation.draftModel ? catalogDraft(modelDir, paths.modelsDir) : undefined;
  const completion: LoadParams = {
    role: 'completion',
    modelDir,
    ...(draft.dir ? { draftModelDir: draft.dir } : {}),
    ...(paired ? { draftModelDir: paired.dir, draftWhen: paired.when } : {}),
    device: settings.device,
    precision: settings.precision,
    threads: settings.threads,
    cacheDir: paths.cacheDir,
  };
  return { plan: { completion }, missing: model.missing ?? draft.missing };
}
