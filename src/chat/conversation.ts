import type { BackendResult, InferenceBackend, StreamOptions } from '../backend/inferenceBackend';
import type { ChatMessage } from '../shared/generation';
import type { ChatPrompt } from './chatPrompts';

/** An explanation is longer than a completion, but a small model's useful answer fits this (slm.chatMaxNewTokens' default). */
export const EXPLAIN_MAX_TOKENS = 768;

/**
 * One Explain conversation: the first question, the answers, and follow-up questions, sent to
 * the backend's chat role. Each request repeats the turns before it, which the backend's KV cache
 * for the chat role still holds, so a follow-up prefills only its own tokens.
 */
export class Conversation {
  private readonly messages: ChatMessage[];

  constructor(private readonly backend: Pick<InferenceBackend, 'chat'>, first: ChatPrompt, private readonly maxNewTokens = EXPLAIN_MAX_TOKENS) {
    this.messages = [...first.messages];
  }

  /** The answer to the last question; kept for the next turn unless it was stopped before any text. */
  async answer(options: StreamOptions = {}): Promise<BackendResult> {
    const result = await this.backend.chat({ messages: [...this.messages], maxNewTokens: this.maxNewTokens }, options);
    if (result.text) this.messages.push({ role: 'assistant', content: result.text });
    return result;
  }

  /** Asks a follow-up question and answers it. */
  followUp(question: string, options: StreamOptions = {}): Promise<BackendResult> {
    // A question after an answer that was never stored (it failed, or was stopped empty) replaces the unanswered one.
    if (this.messages.at(-1)?.role === 'user' && this.messages.length > 2) this.messages.pop();
    this.messages.push({ role: 'user', content: question });
    return this.answer(options);
  }
}
