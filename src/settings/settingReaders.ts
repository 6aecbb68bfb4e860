/** What reading settings needs; vscode's WorkspaceConfiguration fits. */
export interface ConfigurationLike {
  get<T>(key: string): T | undefined;
}

/**
 * Typed readers over `slm.*`: a bad value is replaced by its default and reported in `problems`
 * (a bad setting never stops completions).
 */
export function settingReaders(config: ConfigurationLike, problems: string[]) {
  return {
    int(key: string, fallback: number, min: number, max: number): number {
      const v = config.get<unknown>(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
        problems.push(`slm.${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(v)}); using ${fallback}.`);
        return fallback;
      }
      return v;
    },
    oneOf<T extends string>(key: string, allowed: readonly T[], fallback: T): T {
      const v = config.get<unknown>(key);
      if (v === undefined || v === null) return fallback;
      if (typeof v !== 'string' || !allowed.includes(v as T)) {
        problems.push(`slm.${key} must be one of ${allowed.join(', ')} (got ${JSON.stringify(v)}); using ${fallback}.`);
        return fallback;
      }
      return v as T;
    },
    /** A trimmed string; '' when unset. */
    text(key: string): string {
      const v = config.get<unknown>(key);
      if (v === undefined || v === null) return '';
      if (typeof v === 'string') return v.trim();
      problems.push(`slm.${key} must be a string (got ${JSON.stringify(v)}); ignoring it.`);
      return '';
    },
  };
}
