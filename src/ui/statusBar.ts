import * as vscode from 'vscode';
import { describe, type StatusView } from './statusText';

/** The status bar item: state, model, last latency and speed; a click opens the menu, or the walkthrough while no model is installed. */
export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('slm.status', vscode.StatusBarAlignment.Right, 100);

  constructor() {
    this.item.name = 'Local Code Completion';
    this.item.show();
  }

  update(view: StatusView): void {
    const { icon, label, detail } = describe(view);
    this.item.text = `${icon} ${label}`;
    const noModel = view.model.kind === 'noModel';
    this.item.command = noModel ? 'slm.getStarted' : 'slm.showMenu';
    this.item.tooltip = new vscode.MarkdownString(`**Local Code Completion**: ${detail}${noModel ? '' : '\n\nClick for the menu.'}`);
    const background = view.model.kind === 'error' ? 'statusBarItem.errorBackground' : noModel ? 'statusBarItem.warningBackground' : undefined;
    this.item.backgroundColor = background && new vscode.ThemeColor(background);
  }

  dispose(): void {
    this.item.dispose();
  }
}
