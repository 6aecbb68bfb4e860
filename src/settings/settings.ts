import type { CompletionSettings } from '../completion/completionService';
import { HUGGING_FACE } from '../downloads/hub';
import { FIM_ORDER_SETTINGS } from '../prompt/fimTemplates';
import type { PrecisionChoice } from '../modelFormat/precision';
import type { MultilineMode } from '../completion/postprocess/types';
import { readServerSettings, type EngineChoice, type ServerSettings } from './serverSettings';
import { settingReaders, type ConfigurationLike } from './settingReaders';

/** The `slm.*` settings, typed and checked. Declared in package.json `contributes.configuration`. */
export interface Settings {
  enabled: boolean;
  /** A folder, or a catalog id (src/models/catalog.ts); '' = the embedded default model. */
  model: string;
  /** A folder or a catalog id; '' = the draft the catalog pairs with the model, if installed. */
  draftModel: string;
  /**
   * The model for Explain and Refactor: a folder or a catalog id; '' = the completion model when
   * it can chat, otherwise the catalog's Instruct model for this hardware.
   */
  chatModel: string;
  /** Most tokens an explanation answer may take. */
  chatMaxNewTokens: number;
  /** Hugging Face endpoint for model downloads (a mirror, or a local server in tests). */
  huggingFaceEndpoint: string;
  device: 'auto' | 'cpu' | 'gpu';
  precision: PrecisionChoice;
  /** undefined = the engine's default. */
  threads: number | undefined;
  completion: CompletionSettings;
  enabledLanguages: Record<string, boolean>;
  maxFileSizeKB: number;
  idleUnloadMinutes: number;
  pauseOnBattery: boolean;
  /** Prefill the prompt where the cursor rests (src/completion/cacheWarmer.ts). */
  warmUp: boolean;
  /** Which engine answers: the local worker or an inference server (slm.server.*). */
  engine: EngineChoice;
  server: ServerSettings;
}

export type { ConfigurationLike } from './settingReaders';

/** A generation longer than this is cut: a suggestion that late is rarely still wanted. */
const TIME_BUDGET_MS = 5000;

/**
 * Reads the settings. A bad value never stops completions: it is replaced by its default and
 * reported in `problems`, for the user to see once.
 */
export function readSettings(config: ConfigurationLike): { settings: Settings; problems: string[] } {
  const problems: string[] = [];
  const { int, oneOf } = settingReaders(config, problems);
  const folder = (key: string, fallback: string): string => {
    const v = config.get<unknown>(key) ?? '';
    if (typeof v === 'string') return v.trim();
    problems.push(`slm.${key} must be a model id or a folder path (got ${JSON.stringify(v)}); using ${fallback}.`);
    return '';
  };
  const httpUrl = (key: string, fallback: string): string => {
    const v = config.get<unknown>(key);
    if (v === undefined || v === null || v === '') return fallback;
    if (typeof v === 'string' && /^https?:\/\/[^/\s]+/.test(v.trim())) return v.trim().replace(/\/+$/, '');
    problems.push(`slm.${key} must be an http(s) URL (got ${JSON.stringify(v)}); using ${fallback}.`);
    return fallback;
  };
  const model = folder('model', 'the embedded model, if any');
  const draftModel = folder('draftModel', 'no draft model');
  const chatModel = folder('chatModel', 'the completion model');
  const speculate = oneOf('speculation', ['auto', 'off'] as const, 'auto') === 'auto';
  const huggingFaceEndpoint = httpUrl('huggingFaceEndpoint', HUGGING_FACE);
  const languages = config.get<unknown>('enabledLanguages');
  const enabledLanguages: Record<string, boolean> = { '*': true };
  if (languages && typeof languages === 'object') {
    for (const [k, v] of Object.entries(languages)) if (typeof v === 'boolean') enabledLanguages[k] = v;
  }
  const maxPromptTokens = int('maxPromptTokens', 1536, 64, 32768);
  const threads = int('threads', 0, 0, 64);
  return {
    settings: {
      enabled: config.get<unknown>('enabled') !== false,
      model,
      draftModel: speculate ? draftModel : '',
      chatModel,
      chatMaxNewTokens: int('chatMaxNewTokens', 768, 16, 8192),
      huggingFaceEndpoint,
      device: oneOf('device', ['auto', 'cpu', 'gpu'] as const, 'auto'),
      precision: oneOf('precision', ['auto', 'fp32', 'fp16', 'q8', 'q4', 'q4f16'] as const, 'auto'),
      threads: threads === 0 ? undefined : threads,
      completion: {
        debounceMs: int('debounceMs', 75, 0, 2000),
        maxNewTokens: int('maxNewTokens', 64, 1, 1024),
        maxPromptTokens,
        maxSuffixTokens: Math.min(int('maxSuffixTokens', 256, 0, 8192), Math.floor(maxPromptTokens / 2)),
        maxContextTokens: Math.min(int('maxContextTokens', 512, 0, 16384), Math.floor(maxPromptTokens / 2)),
        multiline: oneOf<MultilineMode>('multiline', ['auto', 'always', 'never'], 'auto'),
        maxLines: int('maxLines', 16, 1, 200),
        syntaxCheck: config.get<unknown>('syntaxCheck') !== false,
        timeBudgetMs: TIME_BUDGET_MS,
        speculation: { promptLookup: speculate, draftModel: speculate },
        suffixReuse: oneOf('suffixReuse', ['exact', 'shifted'] as const, 'exact'),
        fimOrder: oneOf('fimOrder', FIM_ORDER_SETTINGS, 'auto'),
      },
      enabledLanguages,
      maxFileSizeKB: int('maxFileSizeKB', 1024, 1, 1024 * 1024),
      idleUnloadMinutes: int('idleUnloadMinutes', 15, 0, 24 * 60),
      pauseOnBattery: config.get<unknown>('pauseOnBattery') === true,
      warmUp: config.get<unknown>('warmUp') !== false,
      ...readServerSettings(config, problems),
    },
    problems,
  };
}

export function languageEnabled(settings: Settings, languageId: string): boolean {
  return settings.enabledLanguages[languageId] ?? settings.enabledLanguages['*'] ?? true;
}
