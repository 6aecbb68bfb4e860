import { EngineError } from '../shared/errors';
import type { Engine, RoleModel } from '../engine/engine';
import type { TokenListener } from '../engine/outputStream';
import { readChatTemplate } from '../prompt/chatPrompt';
import { detectFimTemplate, noFimTokensMessage, noSpmMessage, resolveFimOrder, type FimOrder, type FimOrderSetting } from '../prompt/fimTemplates';
import type { PromptBudget } from '../prompt/promptBudget';
import { PromptBuilder } from '../prompt/promptBuilder';
import type { CompleteParams, CompleteResult, PromptParams, PromptResult } from './protocol';

/** Infill completion on the completion role's model: the model family's FIM prompt, then generation. */
export class FimCompleter {
  private readonly builder: PromptBuilder | undefined;
  private toldNoSpm = false;

  /** `warn`: where a fallback the user should know of is said, once (the worker's log). */
  constructor(private readonly engine: Engine, private readonly model: RoleModel, private readonly warn: (line: string) => void = () => {}) {
    const template = detectFimTemplate(model.tokenizer);
    this.builder = template && new PromptBuilder(template, model.tokenizer);
  }

  /** The FIM template in use, or null when the model's tokenizer has none this extension knows. */
  get template(): string | null {
    return this.builder?.templateId ?? null;
  }

  prompt(params: PromptParams): PromptResult {
    const prompt = this.requireBuilder().build(params.input, this.fit(params.budget, 0), this.order(params.fimOrder));
    return { ...prompt, text: this.model.tokenizer.decode(prompt.ids) };
  }

  async complete(params: CompleteParams, onToken: TokenListener, signal: AbortSignal): Promise<CompleteResult> {
    const started = performance.now();
    const prompt = this.requireBuilder().build(params.input, this.fit(params.budget, params.maxNewTokens), this.order(params.fimOrder));
    const buildMs = performance.now() - started;
    // The limits go through as they are; the prompt was built from the rest.
    const { input, budget, suffixReuse, fimOrder, ...limits } = params;
    const request = { ...limits, promptIds: prompt.ids, stopTokenIds: prompt.stopTokenIds, ...(suffixReuse === 'shifted' ? { shiftedReuse: true } : {}) };
    const result = await this.engine.generate('completion', request, onToken, signal);
    return { ...result, prompt: { template: prompt.template, order: prompt.order, parts: prompt.parts, buildMs } };
  }

  /** The order the family allows; asked for SPM on a family without it, PSM, and the user told once per model. */
  private order(setting: FimOrderSetting | undefined): FimOrder {
    const template = this.requireBuilder().template;
    const order = resolveFimOrder(template, setting);
    if (setting === 'spm' && order !== 'spm' && !this.toldNoSpm) {
      this.toldNoSpm = true;
      this.warn(noSpmMessage(template));
    }
    return order;
  }

  /** The budget within the model's context limit, the answer's tokens left room for (StarCoder2: 4096 in all). */
  private fit(budget: PromptBudget, maxNewTokens: number): PromptBudget {
    const room = Math.max(1, this.model.contextLimit - maxNewTokens);
    if (budget.maxPromptTokens <= room) return budget;
    return { maxPromptTokens: room, maxSuffixTokens: Math.min(budget.maxSuffixTokens, room), maxContextTokens: Math.min(budget.maxContextTokens, Math.floor(room / 2)) };
  }

  private canChat(): boolean {
    const folder = this.model.folder;
    return folder ? readChatTemplate(folder.tokenizerConfigFile) !== undefined : this.model.embeddedChatTemplate !== undefined;
  }

  private requireBuilder(): PromptBuilder {
    if (!this.builder) {
      throw new EngineError('fim-unsupported', noFimTokensMessage(this.model.info.name, this.canChat()), this.model.info.dir);
    }
    return this.builder;
  }
}
