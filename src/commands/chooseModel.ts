import * as vscode from 'vscode';
import { errorMessage } from '../shared/errors';
import { findGgufFile } from '../modelFormat/ggufFile';
import { openModelFolder } from '../modelFormat/modelFolder';

/** Picks a model folder, validates it, and stores it in `slm.model`; says why a folder is unusable. */
export async function chooseModel(): Promise<void> {
  const picked = await vscode.window.showOpenDialog({
    canSelectFolders: true,
    canSelectFiles: false,
    canSelectMany: false,
    openLabel: 'Use This Model',
    title: 'Choose a model folder (config.json, tokenizer.json, onnx/; or one holding a .gguf file)',
  });
  const folder = picked?.[0];
  if (!folder) return;
  try {
    // A GGUF model (LM Studio, Ollama downloads) runs on llama.cpp in the worker.
    const gguf = findGgufFile(folder.fsPath);
    if (gguf) {
      await vscode.workspace.getConfiguration('slm').update('model', gguf, vscode.ConfigurationTarget.Global);
      vscode.window.showInformationMessage(`Local Code Completion: using ${gguf} (GGUF, llama.cpp).`);
      return;
    }
    const model = openModelFolder(folder.fsPath);
    await vscode.workspace.getConfiguration('slm').update('model', folder.fsPath, vscode.ConfigurationTarget.Global);
    vscode.window.showInformationMessage(`Local Code Completion: using ${model.name} (${model.config.modelType}, ${Object.keys(model.graphs).join(' / ')}).`);
  } catch (err) {
    vscode.window.showErrorMessage(`Local Code Completion cannot use ${folder.fsPath}: ${errorMessage(err)}`);
  }
}
