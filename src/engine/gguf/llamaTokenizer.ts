import type { ModelTokenizer } from '../tokenizer';
import type { LlamaModel } from './llamaCpp';

/**
 * A GGUF model's own tokenizer (its vocabulary and merges live in the file), run by llama.cpp:
 * a bare .gguf from LM Studio or Ollama has no tokenizer.json beside it.
 */
export class LlamaTokenizer implements ModelTokenizer {
  readonly maxTokenId: number;

  constructor(private readonly model: LlamaModel, vocabularySize: number) {
    this.maxTokenId = vocabularySize - 1;
  }

  /** Control tokens spelled in the text become their ids. */
  encode(text: string): number[] {
    return text ? this.model.tokenize(text, true) : [];
  }

  /** Control tokens spelled in the text stay plain characters. */
  encodePlain(text: string): number[] {
    return text ? this.model.tokenize(text, false) : [];
  }

  decode(ids: readonly number[]): string {
    return ids.length ? this.model.detokenize(ids, true) : '';
  }

  /** The id of a token spelled exactly, if the vocabulary has it as one token. */
  tokenId(token: string): number | undefined {
    const ids = this.model.tokenize(token, true);
    return ids.length === 1 && this.model.detokenize(ids, true) === token ? ids[0] : undefined;
  }
}
