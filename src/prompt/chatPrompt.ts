import * as fs from 'node:fs';
import { Template } from '@huggingface/jinja';
import type { ChatMessage } from '../shared/generation';

/** A model's chat format: the Jinja `chat_template` of its tokenizer_config.json, and the tokens it names. */
export interface ChatTemplate {
  source: string;
  bosToken?: string;
  eosToken?: string;
}

/** A piece of a rendered chat prompt: the template's own text (its control tokens count), or a message's text (plain characters). */
export interface ChatPart {
  kind: 'template' | 'message';
  text: string;
}

/** The chat template of a tokenizer_config.json, if it has one (a string, or the `default` of a named list). */
export function readChatTemplate(tokenizerConfigFile: string | undefined): ChatTemplate | undefined {
  if (!tokenizerConfigFile) return undefined;
  let config: Record<string, unknown>;
  try {
    config = JSON.parse(fs.readFileSync(tokenizerConfigFile, 'utf8')) as Record<string, unknown>;
  } catch {
    return undefined;
  }
  const raw = config.chat_template;
  const source = typeof raw === 'string' ? raw : Array.isArray(raw) ? (raw.find((t) => t?.name === 'default') ?? raw[0])?.template : undefined;
  if (typeof source !== 'string' || !source.trim()) return undefined;
  const token = (v: unknown) => (typeof v === 'string' ? v : typeof (v as { content?: unknown })?.content === 'string' ? (v as { content: string }).content : undefined);
  return { source, bosToken: token(config.bos_token), eosToken: token(config.eos_token) };
}

/**
 * Renders `messages` with the model's template, ready for the assistant's answer, as parts: the
 * messages are rendered as unique markers first, so that their text can be told from the
 * template's and encoded as plain characters (a file that spells `<|im_end|>` cannot end the
 * turn). A template that transforms message text (trims it, splits it) sees the markers, not
 * the text: the text goes in as the user wrote it.
 */
export function renderChat(template: ChatTemplate, messages: readonly ChatMessage[]): ChatPart[] {
  const nonce = Math.random().toString(36).slice(2, 10);
  const marker = (i: number) => `\u0001slm:${nonce}:${i}\u0001`;
  const rendered = new Template(template.source).render({
    messages: messages.map((m, i) => ({ role: m.role, content: marker(i) })),
    add_generation_prompt: true,
    bos_token: template.bosToken ?? '',
    eos_token: template.eosToken ?? '',
  });
  const parts: ChatPart[] = [];
  let at = 0;
  const found = [...rendered.matchAll(new RegExp(`\\u0001slm:${nonce}:(\\d+)\\u0001`, 'g'))];
  if (found.length !== messages.length || found.some((m, i) => Number(m[1]) !== i)) {
    throw new Error('the chat template does not render each message once, in order');
  }
  for (const match of found) {
    if (match.index > at) parts.push({ kind: 'template', text: rendered.slice(at, match.index) });
    const text = messages[Number(match[1])].content;
    if (text) parts.push({ kind: 'message', text });
    at = match.index + match[0].length;
  }
  if (at < rendered.length) parts.push({ kind: 'template', text: rendered.slice(at) });
  return parts;
}
