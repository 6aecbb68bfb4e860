import { PromptLookup } from '../speculation';
import type { LlamaCppModule, LlamaSequence, Token, TokenPredictor } from './llamaCpp';

/** What a request drafts with; node-llama-cpp verifies the drafts in one batch either way. */
export type Drafting = { kind: 'none' } | { kind: 'prompt-lookup'; maxTokens: number } | { kind: 'draft-model'; fixedTokens?: number };

/**
 * A sequence's token predictor is fixed when the sequence is made, but speculation is chosen
 * per request: this predictor switches between none, our prompt lookup (the same proposals as
 * the ONNX engine's, over the prompt and the tokens so far) and node-llama-cpp's draft-model
 * predictor on the draft's own sequence.
 */
export interface RequestPredictor extends TokenPredictor {
  use(drafting: Drafting): void;
  /** Proposals made so far (each is verified in one pass): the verifications of SpeculationStats. */
  readonly proposals: number;
}

export function createRequestPredictor(llamaCpp: LlamaCppModule, draftSequence?: LlamaSequence): RequestPredictor {
  // Adaptive: the draft stops proposing at a token it gives less than 60% (node-llama-cpp's
  // default), up to 8; a request's fixed draft length gets a predictor that always drafts k.
  const drafters = new Map<number, TokenPredictor>();
  const drafter = (fixed = 0): TokenPredictor => {
    let found = drafters.get(fixed);
    if (!found) {
      const options = fixed ? { minTokens: fixed, maxTokens: fixed, minConfidence: 0 } : { minTokens: 0, maxTokens: 8 };
      drafters.set(fixed, (found = new llamaCpp.DraftSequenceTokenPredictor(draftSequence!, options)));
    }
    return found;
  };
  const lookup = new PromptLookup();

  class Switching extends llamaCpp.TokenPredictor implements RequestPredictor {
    proposals = 0;
    private drafting: Drafting = { kind: 'none' };
    private history: Token[] = [];
    private draft: TokenPredictor | undefined;

    use(drafting: Drafting): void {
      this.drafting = drafting.kind === 'draft-model' && !draftSequence ? { kind: 'none' } : drafting;
      this.draft = this.drafting.kind === 'draft-model' ? drafter(this.drafting.fixedTokens) : undefined;
    }

    override reset(params: Parameters<TokenPredictor['reset']>[0]) {
      this.history = params.stateTokens.slice();
      return this.draft?.reset(params);
    }

    override pushTokens(tokens: Token[]): void {
      this.history.push(...tokens);
      this.draft?.pushTokens(tokens);
    }

    override async predictTokens(): Promise<Token[]> {
      const proposed =
        this.drafting.kind === 'prompt-lookup' ? await lookup.propose(this.history, this.drafting.maxTokens) : this.draft ? await this.draft.predictTokens() : [];
      if (proposed.length) this.proposals++;
      return proposed;
    }

    override stop(untilPredictionsExhausted?: boolean) {
      return this.draft?.stop(untilPredictionsExhausted);
    }

    override updateInputTokens(): void {}

    override async dispose() {
      for (const d of drafters.values()) await d.dispose();
    }
  }
  return new Switching();
}
