import * as vscode from 'vscode';
import type { BackendResult, InferenceBackend } from '../backend/inferenceBackend';
import { explainPrompt } from '../chat/chatPrompts';
import { Conversation } from '../chat/conversation';
import type { ContextBuilder } from '../context/contextEngine';
import { errorMessage } from '../shared/errors';
import { ExplainPanel } from '../ui/explainPanel';
import { editorTarget } from './chatTarget';

export interface ExplainDeps {
  backend: InferenceBackend;
  context?: ContextBuilder;
  extensionUri: vscode.Uri;
  maxNewTokens: number;
  log: vscode.LogOutputChannel;
}

/**
 * "Explain": the selection's whole lines (or the scope at the cursor) explained by the chat model
 * in a panel beside the editor, streamed; Stop ends the answer within a decode step, and
 * follow-up questions continue the conversation. Completions keep their priority meanwhile.
 */
export async function explainCommand(deps: ExplainDeps): Promise<void> {
  const found = await editorTarget(deps.backend, deps.context, 'explain');
  if (!found) return;
  const { target } = found;
  const panel = ExplainPanel.show(deps.extensionUri, `Explain ${target.path.split('/').pop()}:${target.startLine + 1}-${target.endLine + 1}`);
  panel.begin({ path: target.path, startLine: target.startLine + 1, endLine: target.endLine + 1, languageId: target.languageId, code: found.code });
  const conversation = new Conversation(deps.backend, explainPrompt(target, found.code, found.context), deps.maxNewTokens);
  let streaming: AbortController | undefined;
  const run = async (ask: (signal: AbortSignal) => Promise<BackendResult>) => {
    const controller = new AbortController();
    streaming = controller;
    try {
      const result = await ask(controller.signal);
      const f = result.figures;
      panel.finish({ timeToFirstTokenMs: f.timeToFirstTokenMs, tokensPerSecond: f.tokensPerSecond, newTokens: f.newTokens, totalMs: f.totalMs }, result.finishReason === 'cancelled');
      deps.log.info(`explain: ${f.promptTokens} prompt tokens (${f.reusedPromptTokens} reused), first token ${f.timeToFirstTokenMs?.toFixed(0) ?? '-'} ms, ${f.newTokens} new at ${f.tokensPerSecond.toFixed(1)} tok/s, ${result.finishReason}`);
    } catch (err) {
      deps.log.error(`explain: ${errorMessage(err)}`);
      panel.fail(errorMessage(err));
    } finally {
      if (streaming === controller) streaming = undefined;
    }
  };
  const subscriptions = [
    panel.onStop(() => streaming?.abort()),
    panel.onFollowUp((question) => {
      panel.startAnswer(question);
      void run((signal) => conversation.followUp(question, { signal, onText: (t) => panel.append(t) }));
    }),
  ];
  panel.onDidDispose(() => {
    streaming?.abort();
    for (const s of subscriptions) s.dispose();
  });
  panel.startAnswer();
  await run((signal) => conversation.answer({ signal, onText: (t) => panel.append(t) }));
}
