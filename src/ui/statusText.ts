import type { BackendState } from '../backend/inferenceBackend';
import type { RequestRecord } from '../completion/completionService';

export interface StatusView {
  /** The completion role's state. */
  model: BackendState;
  paused: boolean;
  onBattery: boolean;
  snoozeMinutesLeft: number;
  /** The active editor's language, when completions are disabled for it. */
  disabledLanguage?: string;
  generating: boolean;
  last?: RequestRecord;
}

/** The item's text and tooltip for a view; pure, so tests can read what the user would see. */
export function describe(view: StatusView): { icon: string; label: string; detail: string } {
  const model = view.model;
  if (model.kind === 'error') return { icon: '$(error)', label: 'SLM error', detail: model.message };
  if (model.kind === 'unloaded') return { icon: '$(debug-disconnect)', label: 'SLM unloaded', detail: model.detail };
  if (model.kind === 'starting') return { icon: '$(loading~spin)', label: 'SLM starting', detail: model.detail };
  if (model.kind === 'noModel') return { icon: '$(cloud-download)', label: 'SLM: no model', detail: `${model.detail} Click to get started.` };
  const name = `SLM: ${model.name}`;
  const where = model.detail;
  if (view.paused) return { icon: '$(debug-pause)', label: `${name} paused`, detail: `paused (${where})` };
  if (view.onBattery) return { icon: '$(debug-pause)', label: `${name} paused on battery`, detail: 'paused while on battery power (slm.pauseOnBattery)' };
  if (view.snoozeMinutesLeft > 0) return { icon: '$(debug-pause)', label: `${name} snoozed`, detail: `snoozed for ${view.snoozeMinutesLeft} more min` };
  if (view.disabledLanguage) return { icon: '$(circle-slash)', label: `${name} off for ${view.disabledLanguage}`, detail: `disabled for ${view.disabledLanguage}` };
  if (view.generating) return { icon: '$(sync~spin)', label: `${name} generating`, detail: `generating (${where})` };
  const f = view.last?.result?.figures;
  const figures = f ? ` · ${Math.round(f.totalMs)} ms · ${f.tokensPerSecond.toFixed(0)} tok/s` : '';
  return { icon: '$(check)', label: `${name}${figures}`, detail: `ready (${where})${figures ? `; last completion${figures}` : ''}` };
}
