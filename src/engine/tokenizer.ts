import * as fs from 'node:fs';
import { Tokenizer } from '@huggingface/tokenizers';
import { EngineError, errorMessage } from '../shared/errors';

/** Code that exercises merges, spaces and punctuation: two tokenizers that agree on it share a vocabulary. */
export const VOCABULARY_PROBE = 'def fetch_items(self, limit: int = 10) -> list:\n    return [x.id for x in self._items][:limit]  # ok\n';

/** What generation and prompt building need of a model's tokenizer, whichever engine runs the model. */
export interface ModelTokenizer {
  readonly maxTokenId: number;
  encode(text: string): number[];
  encodePlain(text: string): number[];
  decode(ids: readonly number[]): string;
  tokenId(token: string): number | undefined;
}

/** The model's own tokenizer, read from its `tokenizer.json` by a maintained library. */
export class TextTokenizer implements ModelTokenizer {
  /** Matches any added/control token spelled out in text, longest first. */
  private readonly controlText: RegExp | undefined;

  private constructor(private readonly tokenizer: Tokenizer, readonly maxTokenId: number) {
    const contents = [...tokenizer.get_added_tokens_decoder().values()].map((t) => t.content).filter((c) => c.length > 1);
    contents.sort((a, b) => b.length - a.length);
    this.controlText = contents.length ? new RegExp(contents.map((c) => c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|'), 'g') : undefined;
  }

  static load(tokenizerFile: string, tokenizerConfigFile?: string): TextTokenizer {
    let tokenizer: Tokenizer;
    try {
      const json = JSON.parse(fs.readFileSync(tokenizerFile, 'utf8'));
      const config = tokenizerConfigFile ? JSON.parse(fs.readFileSync(tokenizerConfigFile, 'utf8')) : {};
      tokenizer = new Tokenizer(json, config);
    } catch (err) {
      throw new EngineError('tokenizer-invalid', `${tokenizerFile} could not be read as a tokenizer (${errorMessage(err)}). Re-download it.`, tokenizerFile);
    }
    let maxId = 0;
    for (const id of tokenizer.get_vocab().values()) if (id > maxId) maxId = id;
    for (const id of tokenizer.get_added_tokens_decoder().keys()) if (id > maxId) maxId = id;
    return new TextTokenizer(tokenizer, maxId);
  }

  /** Encodes text; added/special tokens spelled in the text become their control ids. */
  encode(text: string): number[] {
    return this.tokenizer.encode(text, { add_special_tokens: false }).ids;
  }

  /**
   * Encodes the user's text so that control tokens spelled out in it (a file that mentions
   * `<|fim_prefix|>`, say) stay plain characters: each occurrence is split after its first
   * character, which no control token matches, so the text cannot steer the prompt.
   */
  encodePlain(text: string): number[] {
    if (!this.controlText) return this.encode(text);
    const ids: number[] = [];
    let last = 0;
    for (const match of text.matchAll(this.controlText)) {
      const at = match.index;
      if (at > last) ids.push(...this.encode(text.slice(last, at)));
      ids.push(...this.encode(match[0].slice(0, 1)), ...this.encode(match[0].slice(1)));
      last = at + match[0].length;
    }
    if (last < text.length) ids.push(...this.encode(text.slice(last)));
    return ids;
  }

  decode(ids: readonly number[]): string {
    return this.tokenizer.decode(ids as number[], { skip_special_tokens: false, clean_up_tokenization_spaces: false });
  }

  tokenId(token: string): number | undefined {
    return this.tokenizer.token_to_id(token);
  }
}

/**
 * Turns a stream of token ids into text increments by decoding only a window of the latest
 * tokens (text-generation-inference's `decode_token`): about 3 ids a token, where decoding all
 * ids so far made a 1,000-token answer cost half a million. The window starts with the tokens
 * emitted at the previous step, as context: a SentencePiece decoder drops the leading space of
 * a slice's first token, so a new token decoded alone would lose its space. The new text is
 * the window's decoding less that of its emitted part. A token can end inside a multi-byte
 * character (byte-level BPE splits emoji and CJK), which decodes to U+FFFD until the next
 * token completes it, so such a tail is held back and the window grows until it completes.
 */
export class StreamDecoder {
  /** The ids emitted at the previous step, then those not yet emitted (from `unread` on). */
  private window: number[] = [];
  private unread = 0;
  private emitted = '';

  constructor(private readonly tokenizer: Pick<ModelTokenizer, 'decode'>) {}

  /** Adds a token; returns the newly completed text (possibly ''). */
  push(id: number): string {
    this.window.push(id);
    // The library throws on an empty id list, which is the emitted part before any output.
    const before = this.unread ? this.tokenizer.decode(this.window.slice(0, this.unread)) : '';
    const after = this.tokenizer.decode(this.window);
    // No new text yet: the token decodes to nothing (a leading '▁') or ends mid-character.
    if (after.length <= before.length || after.endsWith('\uFFFD')) return '';
    const delta = after.slice(before.length);
    this.window = this.window.slice(this.unread);
    this.unread = this.window.length;
    this.emitted += delta;
    return delta;
  }

  get text(): string {
    return this.emitted;
  }
}
