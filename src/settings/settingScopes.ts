/**
 * Where each `slm.*` value may come from. A cloned repository's `.vscode/settings.json` is not
 * the user's choice: it must not point the extension at files or hosts of its own.
 *
 * - Settings in `capabilities.untrustedWorkspaces.restrictedConfigurations` (package.json) are
 *   read from the user's settings only while the workspace is not trusted. VS Code does this
 *   itself in Restricted Mode; doing it here too keeps it true whatever the host (and with
 *   `security.workspace.trust.enabled` off, VS Code calls every workspace trusted).
 * - Settings of `application` or `machine` scope (the ones naming hosts) are read from the
 *   user's settings only, trusted or not: even a trusted workspace cannot redirect traffic.
 * - A model folder a (trusted) workspace's settings name must lie inside one of its folders or
 *   the extension's storage; a relative one is taken from the workspace's first folder.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { isWithin } from '../context/fsPaths';
import type { ConfigurationLike } from './settings';

/** What package.json declares about where the settings may come from (keys without `slm.`). */
export interface SettingsPolicy {
  /** Never taken from an untrusted workspace. */
  restricted: ReadonlySet<string>;
  /** Application or machine scope: taken from the user's settings only. */
  userOnly: ReadonlySet<string>;
}

/** The settings that name a model folder (or a catalog id, which resolves into the extension's storage). */
export const MODEL_FOLDER_SETTINGS: readonly string[] = ['model', 'draftModel', 'chatModel'];

interface Manifest {
  capabilities?: { untrustedWorkspaces?: { restrictedConfigurations?: string[] } };
  contributes?: { configuration?: ConfigurationSection | ConfigurationSection[] };
}
interface ConfigurationSection {
  properties?: Record<string, { scope?: string }>;
}

/** The policy package.json declares for the settings under `section`. */
export function policyFromManifest(manifest: unknown, section = 'slm'): SettingsPolicy {
  const m = manifest as Manifest;
  const prefix = `${section}.`;
  const own = (keys: string[]) => keys.filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  const sections = [m.contributes?.configuration ?? []].flat();
  const scoped = sections.flatMap((s) => Object.entries(s.properties ?? {})).filter(([, p]) => p.scope === 'application' || p.scope === 'machine');
  return {
    restricted: new Set(own(m.capabilities?.untrustedWorkspaces?.restrictedConfigurations ?? [])),
    userOnly: new Set(own(scoped.map(([k]) => k))),
  };
}

/** A setting's value at each level, as vscode's `WorkspaceConfiguration.inspect` gives it. */
export interface SettingLevels<T> {
  defaultValue?: T;
  globalValue?: T;
  workspaceValue?: T;
  workspaceFolderValue?: T;
}

export interface InspectableConfiguration extends ConfigurationLike {
  inspect<T>(key: string): SettingLevels<T> | undefined;
}

export interface WorkspaceScope {
  trusted: boolean;
  /** The workspace's folders on disk. */
  roots: string[];
  /** The extension's storage, where downloaded models live. */
  storageDir: string;
  /** Whether a model setting's value is a catalog id rather than a folder. */
  isCatalogId(value: string): boolean;
}

/**
 * The settings as the extension may use them under `scope`. `ignored` collects what was left
 * out and why (for the log); `problems` what the user should be told (a workspace naming a
 * model folder outside it).
 */
export class ScopedConfiguration implements ConfigurationLike {
  readonly ignored: string[] = [];
  readonly problems: string[] = [];

  constructor(
    private readonly config: InspectableConfiguration,
    private readonly policy: SettingsPolicy,
    private readonly scope: WorkspaceScope,
  ) {}

  get<T>(key: string): T | undefined {
    const levels = this.config.inspect<T>(key);
    const fromWorkspace = levels?.workspaceFolderValue ?? levels?.workspaceValue;
    if (!levels || fromWorkspace === undefined) return this.config.get<T>(key);
    const userValue = levels.globalValue ?? levels.defaultValue;
    if (this.policy.userOnly.has(key)) {
      this.ignored.push(`slm.${key} in this workspace's settings is ignored: it is read from user settings only.`);
      return userValue;
    }
    if (!this.scope.trusted && this.policy.restricted.has(key)) {
      this.ignored.push(`slm.${key} in this workspace's settings is ignored: the workspace is not trusted.`);
      return userValue;
    }
    if (MODEL_FOLDER_SETTINGS.includes(key) && typeof fromWorkspace === 'string') {
      const folder = this.confine(key, fromWorkspace.trim());
      return (folder ?? userValue) as T | undefined;
    }
    return this.config.get<T>(key);
  }

  /** The workspace's model folder as an absolute path, or undefined (and a problem) when it lies elsewhere. */
  private confine(key: string, value: string): string | undefined {
    if (value === '' || this.scope.isCatalogId(value)) return value;
    const { roots, storageDir } = this.scope;
    const folder = path.resolve(roots[0] ?? storageDir, value);
    const real = (p: string) => (fs.existsSync(p) ? fs.realpathSync(p) : p);
    if ([...roots, storageDir].some((dir) => isWithin(real(dir), real(folder)))) return folder;
    this.problems.push(
      `slm.${key} in this workspace's settings names ${folder}, outside the workspace and the extension's storage; it is ignored. To use that model, set slm.${key} in your user settings.`,
    );
    return undefined;
  }
}
