/** What a role loads and what it gets, whichever runtime runs the model (onnxruntime for ONNX folders, llama.cpp for GGUF files). */
import type { ModelRole } from '../shared/generation';
import type { ModelFolder } from '../modelFormat/modelFolder';
import type { Precision } from '../modelFormat/precision';
import type { SessionInfo, SessionOptions } from './decodeProtocol';
import type { Provider } from './session';
import type { DraftWhen } from './speculation';
import type { ModelTokenizer } from './tokenizer';

/**
 * Load a model for a role: the one description of a load, from the settings to the runtime.
 * The session options (absent: their defaults) decide, with the model, whether two roles share
 * one model.
 */
export interface LoadParams extends Partial<SessionOptions> {
  role: ModelRole;
  /** An ONNX model folder, a .gguf file, or a folder holding one .gguf. */
  modelDir: string;
  /** A smaller model of the same family (and format), for speculative decoding on this role. */
  draftModelDir?: string;
  /** 'gpu': load the draft only if the model runs on a GPU (the catalog's automatic pairing). */
  draftWhen?: DraftWhen;
}

export interface ModelInfo extends SessionInfo {
  loadMs: number;
  /** The roles this model serves now (one copy of the weights for all of them). */
  roles: ModelRole[];
  draft?: { name: string; precision: Precision; provider: Provider };
  /** Why the draft model was not loaded (draftWhen 'gpu' on a CPU). */
  draftSkipped?: string;
  /** 'llama.cpp' for a GGUF model (node-llama-cpp); absent: onnxruntime. */
  runtime?: 'llama.cpp';
}

/** A chat template as a model file carries it (GGUF: `tokenizer.chat_template`). */
export interface EmbeddedChatTemplate {
  source: string;
  bosToken?: string;
  eosToken?: string;
}

/** A role's model as its requests use it. */
export interface RoleModel {
  info: ModelInfo;
  tokenizer: ModelTokenizer;
  /** The most tokens a sequence may hold (prompt and answer): the family's limit, or the context a GGUF model was loaded with. */
  contextLimit: number;
  /** The ONNX model folder; absent for a GGUF model. */
  folder?: ModelFolder;
  /** A GGUF model's own chat template (it has no tokenizer_config.json). */
  embeddedChatTemplate?: EmbeddedChatTemplate;
}
