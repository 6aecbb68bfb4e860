/**
 * Bundles the in-host runner (index.ts) and the test files (`*.vscodetest.ts`) into
 * `.cache/vscode-tests/`, CommonJS as the extension host loads them; `vscode` and mocha stay
 * external (the editor injects the first; the second resolves from the repository's node_modules).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as esbuild from 'esbuild';

const HERE = __dirname;
export const IN_HOST_OUT = path.resolve(HERE, '..', '..', '.cache', 'vscode-tests');

/** Returns the runner's path (what `extensionTestsPath` names). */
export async function bundleInHostTests(): Promise<string> {
  const tests = fs.readdirSync(HERE).filter((f) => f.endsWith('.vscodetest.ts'));
  fs.rmSync(IN_HOST_OUT, { recursive: true, force: true });
  await esbuild.build({
    entryPoints: Object.fromEntries([['index', path.join(HERE, 'index.ts')], ...tests.map((f) => [f.replace(/\.ts$/, ''), path.join(HERE, f)])]),
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outdir: IN_HOST_OUT,
    sourcemap: 'inline',
    external: ['vscode', 'mocha'],
    logLevel: 'warning',
  });
  return path.join(IN_HOST_OUT, 'index.js');
}
