import * as vscode from 'vscode';
import { formatBytes } from '../downloads/download';

export interface ByteProgress {
  receivedBytes: number;
  totalBytes?: number;
}

/**
 * Runs a download in a cancellable progress notification: `run` gets an AbortSignal that
 * Cancel aborts, and a callback for byte counts that moves the bar.
 */
export function withDownloadProgress<T>(
  title: string,
  run: (signal: AbortSignal, onBytes: (p: ByteProgress) => void, onStep: (message: string) => void) => Promise<T>,
): Thenable<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, (progress, token) => {
    const controller = new AbortController();
    token.onCancellationRequested(() => controller.abort());
    let reported = 0;
    const onBytes = (p: ByteProgress): void => {
      const fraction = p.totalBytes ? Math.min(1, p.receivedBytes / p.totalBytes) : 0;
      progress.report({
        message: `${formatBytes(p.receivedBytes)}${p.totalBytes ? ` of ${formatBytes(p.totalBytes)}` : ''}`,
        increment: (fraction - reported) * 100,
      });
      reported = fraction;
    };
    return run(controller.signal, onBytes, (message) => progress.report({ message }));
  });
}
