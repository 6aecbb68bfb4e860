import * as fs from 'node:fs';
import * as path from 'node:path';

/** The extension's log output channel, as the extension host wrote it under the user data folder. */
export function extensionLogLines(userDataDir: string): string[] {
  const found: string[] = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('Local Code Completion.log')) found.push(p);
    }
  };
  walk(userDataDir);
  return found.flatMap((f) => fs.readFileSync(f, 'utf8').split('\n'));
}

/** Polls `check` until it gives a truthy value; on timeout the error shows the log's last lines. */
export async function waitForLog<T>(userDataDir: string, what: string, check: () => T | undefined | false | Promise<T | undefined | false>, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await check();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}\n${extensionLogLines(userDataDir).slice(-20).join('\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
