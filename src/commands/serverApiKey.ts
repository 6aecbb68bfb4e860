import * as vscode from 'vscode';

/**
 * API keys for inference servers, in SecretStorage (encrypted, not synced), one per origin: a key
 * set for https://gpu-box:8443 is never sent anywhere else, even after slm.server.url changes.
 */
export class ServerApiKeys {
  constructor(private readonly secrets: vscode.SecretStorage) {}

  get(origin: string): Promise<string | undefined> {
    return Promise.resolve(this.secrets.get(keyName(origin)));
  }

  async set(origin: string, key: string): Promise<void> {
    await this.secrets.store(keyName(origin), key);
  }

  async delete(origin: string): Promise<void> {
    await this.secrets.delete(keyName(origin));
  }
}

function keyName(origin: string): string {
  return `slm.server.apiKey:${origin}`;
}

/** The origin of slm.server.url, or undefined (and a message) when it is not set or not a URL. */
function currentOrigin(url: string): string | undefined {
  try {
    if (url) return new URL(url).origin;
  } catch {
    // reported below
  }
  void vscode.window.showWarningMessage('Local Code Completion: set slm.server.url first; the API key is kept for that address only.');
  return undefined;
}

/** "Set Server API Key": asks for the key (hidden), bound to the origin of slm.server.url. */
export async function setServerApiKey(keys: ServerApiKeys, url: string, onChanged: () => void): Promise<void> {
  const origin = currentOrigin(url);
  if (!origin) return;
  const key = await vscode.window.showInputBox({ title: `API key for ${origin}`, prompt: `Sent as "Authorization: Bearer …" to ${origin} only; kept in the editor's secret storage.`, password: true, ignoreFocusOut: true });
  if (!key) return;
  await keys.set(origin, key.trim());
  onChanged();
  void vscode.window.showInformationMessage(`Local Code Completion: API key set for ${origin}.`);
}

export async function clearServerApiKey(keys: ServerApiKeys, url: string, onChanged: () => void): Promise<void> {
  const origin = currentOrigin(url);
  if (!origin) return;
  await keys.delete(origin);
  onChanged();
  void vscode.window.showInformationMessage(`Local Code Completion: API key for ${origin} removed.`);
}
