import { SERVED_SCHEMES } from '../languages/servedSchemes';
import { languageEnabled, type Settings } from '../settings/settings';
import { MINIFIED_LINE_CHARS } from '../shared/minified';

/** What the gate looks at, read cheaply from the editor. */
export interface RequestFacts {
  scheme: string;
  writable: boolean;
  languageId: string;
  sizeBytes: number;
  line: string;
}

/** Why a request is not served, or undefined to serve it. Pure: unit-tested without an editor. */
export function skipReason(facts: RequestFacts, settings: Settings, paused: boolean): string | undefined {
  if (!settings.enabled) return 'disabled in settings';
  if (paused) return 'paused';
  if (!languageEnabled(settings, facts.languageId)) return `disabled for ${facts.languageId}`;
  if (!SERVED_SCHEMES.has(facts.scheme)) return `not a code document (${facts.scheme})`;
  if (!facts.writable) return 'read-only document';
  if (facts.sizeBytes > settings.maxFileSizeKB * 1024) return `file larger than ${settings.maxFileSizeKB} KB`;
  if (facts.line.length > MINIFIED_LINE_CHARS) return `line longer than ${MINIFIED_LINE_CHARS} characters (minified?)`;
  if (facts.line.includes('\u0000')) return 'binary content';
  return undefined;
}
