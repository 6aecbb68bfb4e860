import * as vscode from 'vscode';
import { describe, type StatusView } from './statusText';

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
