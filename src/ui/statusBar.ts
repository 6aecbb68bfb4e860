import * as vscode from 'vscode';
import type { RequestRecord } from '../completion/completionService';
import type { ModelState } from '../models/modelController';

export interface StatusView {
  model: ModelState;
  paused: boolean;
  onBattery: boolean;
  snoozeMinutesLeft: number;
  /** The active editor's language, when completions are disabled for it. */
  disabledLanguage?: string;
  generating: boolean;
  last?: RequestRecord;
}

/** The status bar item: state, model, last latency and speed; a click opens the menu. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('slm.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Local Code Completion';
    this.item.command = 'slm.showMenu';
    this.item.show();
  }

  update(view: StatusView): void {
    const { icon, label, detail } = describe(view);
    this.item.text = `${icon} ${label}`;
    const tooltip = new vscode.MarkdownString(`**Local Code Completion**: ${detail}\n\nClick for the menu.`);
    this.item.tooltip = tooltip;
    this.item.backgroundColor = view.model.kind === 'error' ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
  }

  dispose(): void {
    this.item.dispose();
  }
}

function describe(view: StatusView): { icon: string; label: string; detail: string } {
  const model = view.model;
  const name = model.kind === 'ready' ? `SLM: ${model.model.name}` : 'SLM';
  if (model.kind === 'error') return { icon: '$(error)', label: 'SLM error', detail: model.message };
  if (model.kind === 'unloaded') return { icon: '$(debug-disconnect)', label: 'SLM unloaded', detail: `model unloaded after ${model.idleMinutes} idle minutes to free memory; it loads again on the next completion` };
  if (model.kind === 'loading' || model.kind === 'idle') return { icon: '$(loading~spin)', label: 'SLM starting', detail: `loading ${model.kind === 'loading' ? model.modelDir : 'the model'}` };
  const skipped = model.model.skippedProviders;
  const { draft, draftSkipped } = model.model;
  const drafting = draft ? `; draft model ${draft.name} on ${draft.provider}` : draftSkipped ? `; no draft model: ${draftSkipped}` : '';
  const where = `${model.model.precision} on ${model.model.provider}${skipped.length ? `; not on ${skipped.join('; ')}` : ''}${drafting}`;
  if (view.paused) return { icon: '$(debug-pause)', label: `${name} paused`, detail: `paused (${where})` };
  if (view.onBattery) return { icon: '$(debug-pause)', label: `${name} paused on battery`, detail: 'paused while on battery power (slm.pauseOnBattery)' };
  if (view.snoozeMinutesLeft > 0) return { icon: '$(debug-pause)', label: `${name} snoozed`, detail: `snoozed for ${view.snoozeMinutesLeft} more min` };
  if (view.disabledLanguage) return { icon: '$(circle-slash)', label: `${name} off for ${view.disabledLanguage}`, detail: `disabled for ${view.disabledLanguage}` };
  if (view.generating) return { icon: '$(sync~spin)', label: `${name} generating`, detail: `generating (${where})` };
  const r = view.last?.result;
  const figures = r ? ` · ${Math.round(r.timings.totalMs)} ms · ${r.timings.decodeTokensPerSecond.toFixed(0)} tok/s` : '';
  return { icon: '$(check)', label: `${name}${figures}`, detail: `ready (${where})${figures ? `; last completion${figures}` : ''}` };
}
