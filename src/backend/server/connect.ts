import type { ServerSettings } from '../../settings/serverSettings';
import { parseEndpoint, type ServerEndpoint } from './endpoint';
import { templateById, templateForModelName } from './fimFamily';
import { requestJson, type HttpOptions } from './httpStream';
import { LLAMA_CPP } from './llamaCpp';
import { OLLAMA } from './ollama';
import { OPENAI } from './openai';
import { ServerError } from './serverError';
import { isObject, type InfillTarget, type ServerAdapter, type ServerProtocol } from './serverProtocol';

/** A server found and understood: where, which protocol, which model, and how completions are asked of it. */
export interface Connection {
  endpoint: ServerEndpoint;
  adapter: ServerAdapter;
  target: InfillTarget;
  /** For the status bar and logs. */
  modelName: string;
  /** How the FIM prompt is written: by the server, or with one of our templates. */
  fim: string;
  headers: Record<string, string>;
}

export const ADAPTERS: Record<ServerProtocol, ServerAdapter> = { 'llama.cpp': LLAMA_CPP, ollama: OLLAMA, openai: OPENAI };

/** Probes are small and should be quick; a server that cannot answer one in this time is unusable for completions. */
const PROBE_TIMEOUT_MS = 5000;

/**
 * Finds out what the server is (slm.server.protocol `auto`: `/props` answers on llama.cpp,
 * `/api/version` on Ollama, `/v1/models` on OpenAI-compatible servers), which model to name, and
 * which FIM prompt to send. The API key goes only to the endpoint's origin it was set for (`apiKey`
 * is looked up by that origin).
 */
export async function connect(settings: ServerSettings, apiKey: (origin: string) => Promise<string | undefined>, signal?: AbortSignal): Promise<Connection> {
  const endpoint = parseEndpoint(settings.url, settings.allowInsecureHttp);
  const key = await apiKey(endpoint.origin);
  const headers: Record<string, string> = key ? { authorization: `Bearer ${key}` } : {};
  const options: HttpOptions = { signal, headers, firstByteTimeoutMs: PROBE_TIMEOUT_MS, idleTimeoutMs: PROBE_TIMEOUT_MS };
  const get = (path: string, body?: unknown) => requestJson(endpoint.base + path, options, body);
  const protocol = settings.protocol === 'auto' ? await detect(get) : settings.protocol;
  const adapter = ADAPTERS[protocol];
  const chosen = settings.fimTemplate === 'auto' || settings.fimTemplate === 'server' ? undefined : templateById(settings.fimTemplate);

  if (protocol === 'llama.cpp') {
    const props = await get('/props').catch((err) => (settings.protocol === 'auto' ? Promise.reject(err) : {}));
    const modelPath = isObject(props) && typeof props.model_path === 'string' ? props.model_path : '';
    const modelName = modelPath.split(/[\\/]/).pop() || 'llama-server';
    // /infill writes the prompt with the model's own FIM tokens (read from its GGUF): no guessing.
    return { endpoint, adapter, headers, modelName, target: { model: '', template: chosen }, fim: chosen ? chosen.label : 'the server\'s /infill' };
  }

  if (protocol === 'ollama') {
    const tags = await get('/api/tags');
    const names = isObject(tags) && Array.isArray(tags.models) ? tags.models.map((m) => (isObject(m) ? String(m.name ?? m.model ?? '') : '')).filter(Boolean) : [];
    const model = pickModel(settings.model, names, 'ollama pull');
    const show = await get('/api/show', { model });
    const template = isObject(show) && typeof show.template === 'string' ? show.template : '';
    const serverFim = settings.fimTemplate === 'server' || (settings.fimTemplate === 'auto' && template.includes('.Suffix'));
    if (serverFim) return { endpoint, adapter, headers, modelName: model, target: { model }, fim: 'the model\'s Ollama template (suffix)' };
    const fimTemplate = chosen ?? templateForModelName(model);
    if (!fimTemplate) throw new ServerError('unsupported', `Ollama's template for ${model} has no suffix slot and its name names no code model family this extension knows: set slm.server.fimTemplate to the model's family.`);
    return { endpoint, adapter, headers, modelName: model, target: { model, template: fimTemplate }, fim: `${fimTemplate.label} (raw prompt)` };
  }

  const list = await get('/v1/models');
  const ids = isObject(list) && Array.isArray(list.data) ? list.data.map((m) => (isObject(m) ? String(m.id ?? '') : '')).filter(Boolean) : [];
  const model = pickModel(settings.model, ids, 'load it on the server');
  if (settings.fimTemplate === 'server') throw new ServerError('unsupported', 'OpenAI-compatible /v1/completions applies no FIM template of its own: set slm.server.fimTemplate to auto or the model family.');
  const fimTemplate = chosen ?? templateForModelName(model);
  if (!fimTemplate) throw new ServerError('unsupported', `cannot tell the FIM format of ${model} from its name: set slm.server.fimTemplate to the model's family.`);
  return { endpoint, adapter, headers, modelName: model, target: { model, template: fimTemplate }, fim: `${fimTemplate.label} (raw prompt)` };
}

async function detect(get: (path: string) => Promise<unknown>): Promise<ServerProtocol> {
  const probes: [string, ServerProtocol, (json: unknown) => boolean][] = [
    ['/props', 'llama.cpp', (j) => isObject(j) && ('default_generation_settings' in j || 'model_path' in j)],
    ['/api/version', 'ollama', (j) => isObject(j) && typeof j.version === 'string'],
    ['/v1/models', 'openai', (j) => isObject(j) && Array.isArray(j.data)],
  ];
  for (const [path, protocol, fits] of probes) {
    try {
      if (fits(await get(path))) return protocol;
    } catch (err) {
      // A host that is down, or refuses the key, fails every probe the same way: say so at once.
      if (!(err instanceof ServerError) || err.code === 'unreachable' || err.code === 'unauthorized' || err.code === 'redirect' || err.code === 'timeout') throw err;
    }
  }
  throw new ServerError('unsupported', 'the server answers none of llama.cpp\'s /props, Ollama\'s /api/version or an OpenAI-compatible /v1/models: set slm.server.protocol.');
}

function pickModel(wanted: string, served: string[], howToGet: string): string {
  if (wanted) {
    // Ollama adds `:latest` to a name given without a tag.
    if (served.length && !served.includes(wanted) && !served.includes(`${wanted}:latest`)) {
      throw new ServerError('not-found', `the server has no model ${wanted} (${howToGet}); it serves ${served.slice(0, 5).join(', ')}${served.length > 5 ? ', ...' : ''}.`);
    }
    return wanted;
  }
  if (!served.length) throw new ServerError('not-found', 'the server lists no models: set slm.server.model.');
  return served[0];
}
