import type { RequestFigures } from '../backend/inferenceBackend';
import { ServerBackend } from '../backend/server/serverBackend';
import { FIM_TEMPLATES } from '../prompt/fimTemplates';
import type { ServerFimTemplateChoice, ServerProtocolChoice } from '../settings/serverSettings';
import { UsageError } from './args';

/** `--server URL` and its companions, shared by complete, explain, refactor and generate. */
export const SERVER_OPTIONS = {
  server: { type: 'string' },
  'server-protocol': { type: 'string' },
  'server-model': { type: 'string' },
  'server-fim-template': { type: 'string' },
  'allow-insecure-http': { type: 'boolean', default: false },
} as const;

export interface ServerValues {
  server?: string;
  'server-protocol'?: string;
  'server-model'?: string;
  'server-fim-template'?: string;
  'allow-insecure-http'?: boolean;
}

const PROTOCOLS: readonly ServerProtocolChoice[] = ['auto', 'llama.cpp', 'ollama', 'openai'];

/**
 * The inference server named by --server, or undefined when none is. The API key comes from
 * SLM_SERVER_API_KEY and is sent to that server's origin only (never on the command line, where
 * other users of the machine can read it).
 */
export function serverFromArgs(values: ServerValues & { model?: string }, quiet: boolean): ServerBackend | undefined {
  if (!values.server) return undefined;
  if (values.model) throw new UsageError('give --model or --server, not both');
  const protocol = (values['server-protocol'] ?? 'auto') as ServerProtocolChoice;
  if (!PROTOCOLS.includes(protocol)) throw new UsageError(`--server-protocol must be one of ${PROTOCOLS.join(', ')}`);
  const fimTemplate = (values['server-fim-template'] ?? 'auto') as ServerFimTemplateChoice;
  const templates = ['auto', 'server', ...FIM_TEMPLATES.map((t) => t.id)];
  if (!templates.includes(fimTemplate)) throw new UsageError(`--server-fim-template must be one of ${templates.join(', ')}`);
  const settings = {
    url: values.server.replace(/\/+$/, ''),
    protocol,
    model: values['server-model'] ?? '',
    fimTemplate,
    allowInsecureHttp: values['allow-insecure-http'] === true,
    fallbackToLocal: false,
  };
  return new ServerBackend({
    settings: () => settings,
    apiKey: async () => process.env.SLM_SERVER_API_KEY || undefined,
    log: (level, line) => {
      if (level !== 'info' || !quiet) process.stderr.write(`[${level}] ${line}\n`);
    },
  });
}

/** A server's figures in the worker's `timings` shape, so `--json` is the same with --model or --server (loadMs: 0, the server loaded its model). */
export function serverTimings(f: RequestFigures) {
  const prefillMs = f.prefillMs ?? 0;
  const fresh = f.promptTokens - f.reusedPromptTokens;
  return {
    promptTokens: f.promptTokens,
    reusedTokens: f.reusedPromptTokens,
    newTokens: f.newTokens,
    loadMs: 0,
    prefillMs,
    decodeMs: f.decodeMs ?? 0,
    totalMs: f.totalMs,
    ...(f.timeToFirstTokenMs !== undefined ? { firstTokenMs: f.timeToFirstTokenMs } : {}),
    prefillTokensPerSecond: prefillMs > 0 ? (fresh * 1000) / prefillMs : 0,
    decodeTokensPerSecond: f.tokensPerSecond,
  };
}
