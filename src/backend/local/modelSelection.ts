import type { Settings } from '../../settings/settings';
import type { CatalogModel } from '../../models/catalog';
import { cpuHardware, recommendChatModel, type Hardware } from '../../models/hardware';
import { catalogDraft, installedModelAt, resolveModelChoice } from '../../models/installedModels';
import type { LoadParams } from '../../worker/protocol';
import type { LoadPlan } from './modelController';

export interface SelectionPaths {
  /** Where catalog models are downloaded (the extension's global storage). */
  modelsDir: string;
  /**
   * The model embedded in the extension, used while `slm.model` names nothing loadable yet: the
   * generated test model of a checkout (`npm start`, the tests). The VSIX ships none.
   */
  defaultModelDir?: string;
  /** Where rewritten graphs are cached. */
  cacheDir: string;
}

export interface Selection {
  /** Absent: there is no model to load (none is installed yet, and no embedded one). */
  plan?: LoadPlan;
  /** A catalog model the settings name that is not downloaded yet (the embedded model, or nothing, or no draft, stands in). */
  missing?: CatalogModel;
  /**
   * The catalog model for the chat role, not downloaded yet: the one `slm.chatModel` names, or
   * the one suggested beside a completion model that cannot chat. Meanwhile chat has no model of its own.
   */
  missingChat?: CatalogModel;
}

/**
 * Which models the settings ask for: `slm.model`, `slm.draftModel` and `slm.chatModel` as
 * catalog ids or folders, the precision for the device, and the catalog's draft pairing.
 * Resolving reads the models folder, so it is done when the settings or the downloaded models
 * change, not per request. `hardware` sizes the chat model suggested beside a completion model
 * that cannot chat; the CPU and memory alone until the GPU is probed.
 */
export class ModelSelection {
  private resolved: Selection | undefined;
  private readonly offered = new Map<'missing' | 'missingChat', string>();

  constructor(
    private readonly paths: SelectionPaths,
    private readonly settings: () => Settings,
    private readonly hardware: () => Hardware = cpuHardware,
  ) {}

  get current(): Selection {
    return (this.resolved ??= select(this.settings(), this.paths, this.hardware()));
  }

  /** Resolves the settings again (they changed, or a model was downloaded or removed); true when the models to load changed. */
  refresh(): boolean {
    const before = JSON.stringify(this.resolved?.plan);
    this.resolved = select(this.settings(), this.paths, this.hardware());
    return JSON.stringify(this.resolved.plan) !== before;
  }

  /** The missing catalog model to offer for download, once per model: undefined when there is none, or it was offered already. */
  missingToOffer(): CatalogModel | undefined {
    return this.offerOnce('missing');
  }

  /** The missing chat model to offer for download (for Explain and Refactor), once per model. */
  chatToOffer(): CatalogModel | undefined {
    return this.offerOnce('missingChat');
  }

  /** The folders the plan loads (they must be released before they are deleted). */
  folders(): string[] {
    const plan = this.current.plan;
    return [...new Set([plan?.completion.modelDir, plan?.completion.draftModelDir, plan?.chat?.modelDir].filter((dir): dir is string => !!dir))];
  }

  private offerOnce(which: 'missing' | 'missingChat'): CatalogModel | undefined {
    const model = this.current[which];
    if (!model || this.offered.get(which) === model.id) return undefined;
    this.offered.set(which, model.id);
    return model;
  }
}

export function select(settings: Settings, paths: SelectionPaths, hardware: Hardware): Selection {
  /** A catalog id resolves to its download, or to nothing until it is downloaded. */
  const folderOf = (value: string): { dir?: string; missing?: CatalogModel } => {
    const choice = resolveModelChoice(value, paths.modelsDir, settings.precision, settings.device === 'gpu' ? 'gpu' : 'cpu');
    if (choice.kind === 'folder') return { dir: choice.dir };
    if (choice.kind === 'catalog') return choice.installed ? { dir: choice.installed.dir } : { missing: choice.model };
    return {};
  };
  const model = folderOf(settings.model);
  const modelDir = model.dir ?? paths.defaultModelDir;
  if (!modelDir) return { missing: model.missing };
  // An explicit draft is always loaded; the catalog's pairing only where it pays (on a GPU).
  const draft = settings.draftModel ? folderOf(settings.draftModel) : {};
  const paired = !settings.draftModel && settings.completion.speculation.draftModel ? catalogDraft(modelDir, paths.modelsDir) : undefined;
  const runtime = { device: settings.device, precision: settings.precision, threads: settings.threads, cacheDir: paths.cacheDir };
  const completion: LoadParams = {
    role: 'completion',
    modelDir,
    ...(draft.dir ? { draftModelDir: draft.dir } : {}),
    ...(paired ? { draftModelDir: paired.dir, draftWhen: paired.when } : {}),
    ...runtime,
  };
  // slm.chatModel; else the completion model answers chat (no plan.chat), unless the catalog says
  // it cannot (a base build): then the model suggested beside it.
  const catalogCompletion = installedModelAt(modelDir)?.model;
  const chatValue = settings.chatModel || (catalogCompletion && !catalogCompletion.roles.includes('chat') ? recommendChatModel(hardware, catalogCompletion).model.id : '');
  const chat = chatValue ? folderOf(chatValue) : {};
  return {
    plan: { completion, ...(chat.dir ? { chat: { role: 'chat', modelDir: chat.dir, ...runtime } } : {}) },
    missing: model.missing ?? draft.missing,
    ...(chat.missing ? { missingChat: chat.missing } : {}),
  };
}
