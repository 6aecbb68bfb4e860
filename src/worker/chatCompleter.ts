import { EngineError, errorMessage } from '../shared/errors';
import type { Engine, RoleModel } from '../engine/engine';
import type { TokenListener } from '../engine/outputStream';
import { readChatTemplate, renderChat, type ChatTemplate } from '../prompt/chatPrompt';
import type { ChatParams, ChatPromptResult, ChatResult } from './protocol';

/** Chat answers on the chat role's model: its own chat template, then generation. */
export class ChatCompleter {
  private readonly template: ChatTemplate | undefined;

  constructor(private readonly engine: Engine, private readonly model: RoleModel) {
    this.template = model.folder ? readChatTemplate(model.folder.tokenizerConfigFile) : model.embeddedChatTemplate;
  }

  get canChat(): boolean {
    return this.template !== undefined;
  }

  async chat(params: ChatParams, onToken: TokenListener, signal: AbortSignal): Promise<ChatResult> {
    const started = performance.now();
    const promptIds = this.encode(params);
    const buildMs = performance.now() - started;
    const { messages, prefill, ...limits } = params;
    const result = await this.engine.generate('chat', { ...limits, promptIds }, onToken, signal);
    return { ...result, prompt: { tokens: promptIds.length, buildMs } };
  }

  prompt(params: Pick<ChatParams, 'messages' | 'prefill'>): ChatPromptResult {
    const ids = this.encode(params);
    return { text: this.model.tokenizer.decode(ids), tokens: ids.length };
  }

  /** The template's text with its control tokens; the messages as plain characters. */
  private encode(params: Pick<ChatParams, 'messages' | 'prefill'>): number[] {
    const { tokenizer, info } = this.model;
    if (!this.template) {
      throw new EngineError('chat-unsupported', `${info.name} has no chat template (tokenizer_config.json "chat_template"): it cannot answer questions. Choose an instruct model for chat.`, info.dir);
    }
    let parts;
    try {
      parts = renderChat(this.template, params.messages);
    } catch (err) {
      throw new EngineError('chat-unsupported', `The chat template of ${info.name} could not be rendered: ${errorMessage(err)}.`, this.model.folder?.tokenizerConfigFile ?? info.dir);
    }
    const ids = parts.flatMap((part) => (part.kind === 'template' ? tokenizer.encode(part.text) : tokenizer.encodePlain(part.text)));
    return params.prefill ? [...ids, ...tokenizer.encodePlain(params.prefill)] : ids;
  }
}
