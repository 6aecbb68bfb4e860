import * as fs from 'node:fs';
import * as vscode from 'vscode';
import { cudaUnsupportedReason, installCudaProvider } from '../downloads/cudaProvider';
import { errorMessage } from '../shared/errors';
import { withDownloadProgress } from './downloadProgress';
import { onnxruntimeBindingDir, onnxruntimeVersion } from '../shared/runtimePaths';

/**
 * "Install GPU Acceleration": fetches onnxruntime's CUDA provider for Linux with an NVIDIA GPU,
 * with progress and cancellation, then restarts the worker so that `auto` can pick it.
 */
export async function installGpu(storageDir: string, restartWorker: () => Promise<void>, log: vscode.LogOutputChannel): Promise<void> {
  const unsupported = cudaUnsupportedReason();
  if (unsupported) {
    void vscode.window.showInformationMessage(`Local Code Completion: ${unsupported}`);
    return;
  }
  if (!fs.existsSync('/proc/driver/nvidia/version')) {
    const go = await vscode.window.showWarningMessage(
      'No NVIDIA driver was found (/proc/driver/nvidia/version). The CUDA provider needs an NVIDIA GPU, its driver and CUDA 12. Install it anyway?',
      { modal: true },
      'Install',
    );
    if (go !== 'Install') return;
  }
  const version = onnxruntimeVersion();
  try {
    await withDownloadProgress(`Installing the CUDA provider for onnxruntime ${version}`, async (signal, onBytes, onStep) => {
      const files = await installCudaProvider({
        storageDir,
        bindingDir: onnxruntimeBindingDir(),
        version,
        signal,
        onProgress: (step, p) => (step === 'download' && p ? onBytes(p) : onStep(step === 'resolve' ? 'finding the package…' : `${step}ing…`)),
      });
      log.info(`installed the CUDA provider: ${files.join(', ')}`);
    });
  } catch (err) {
    log.error(`GPU acceleration install failed: ${errorMessage(err)}`);
    void vscode.window.showErrorMessage(`Local Code Completion: ${errorMessage(err)}`);
    return;
  }
  await restartWorker();
  void vscode.window.showInformationMessage('Local Code Completion: CUDA provider installed. With the device set to "auto" or "gpu" the model now runs on the GPU where it can; the status bar shows the device in use.');
}
