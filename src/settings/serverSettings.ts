import { FIM_TEMPLATES, type FimTemplate } from '../prompt/fimTemplates';
import { settingReaders, type ConfigurationLike } from './settingReaders';

/** Which engine answers requests: the worker on this machine, or an inference server the user runs. */
export type EngineChoice = 'local' | 'server';
export type ServerProtocolChoice = 'auto' | 'llama.cpp' | 'ollama' | 'openai';
/** `auto`: from the model's name (or the server's own FIM when it has one); `server`: the server applies its own; or a family id. */
export type ServerFimTemplateChoice = 'auto' | 'server' | FimTemplate['id'];

/**
 * `slm.server.*`. The URL, protocol and opt-ins are application-scoped in package.json (never set by a
 * workspace's settings.json), so a repository cannot send the user's code to a host of its choosing.
 */
export interface ServerSettings {
  /** '' = not set. Trailing slashes removed. */
  url: string;
  protocol: ServerProtocolChoice;
  /** The model name for Ollama and OpenAI-compatible servers ('' = the server's first model). */
  model: string;
  fimTemplate: ServerFimTemplateChoice;
  /** Plain http to a host other than this machine: the code travels unencrypted. */
  allowInsecureHttp: boolean;
  /** After repeated failures, complete with the local model until the server answers again. */
  fallbackToLocal: boolean;
}

/** Read by readSettings (settings.ts). */
export function readServerSettings(config: ConfigurationLike, problems: string[]): { engine: EngineChoice; server: ServerSettings } {
  const { oneOf, text } = settingReaders(config, problems);
  const url = text('server.url').replace(/\/+$/, '');
  const engine = oneOf<EngineChoice>('engine', ['local', 'server'], 'local');
  if (engine === 'server' && !url) problems.push('slm.engine is "server" but slm.server.url is empty: set the server\'s address (http://127.0.0.1:8080 for a llama-server on this machine).');
  return {
    engine,
    server: {
      url,
      protocol: oneOf<ServerProtocolChoice>('server.protocol', ['auto', 'llama.cpp', 'ollama', 'openai'], 'auto'),
      model: text('server.model'),
      fimTemplate: oneOf<ServerFimTemplateChoice>('server.fimTemplate', ['auto', 'server', ...FIM_TEMPLATES.map((t) => t.id)], 'auto'),
      allowInsecureHttp: config.get<unknown>('server.allowInsecureHttp') === true,
      fallbackToLocal: config.get<unknown>('server.fallbackToLocal') === true,
    },
  };
}
