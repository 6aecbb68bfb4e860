import * as fs from 'node:fs';
import * as path from 'node:path';
import { E2E_CACHE } from './setup';
import type { VsCodeSession } from './vscode';

/** Screenshot and log tail of a failed test, under .cache/e2e/artifacts/. */
export async function keepEvidence(vs: VsCodeSession | undefined, title: string): Promise<void> {
  if (!vs) return;
  const name = title.replace(/[^\w.-]+/g, '_').slice(0, 80);
  const dir = path.join(E2E_CACHE, 'artifacts');
  fs.mkdirSync(dir, { recursive: true });
  await vs.screenshot(path.join(dir, `${name}.png`)).catch(() => undefined);
  fs.writeFileSync(path.join(dir, `${name}.log`), vs.logs());
  console.error(`  e2e evidence: ${dir}/${name}.{png,log}\n${vs.logs().split('\n').slice(-30).join('\n')}`);
}
