/**
 * The keystroke the latency benchmarks share (latency.ts, fimOrder.ts): real code from an installed
 * package as the file being edited, ~1,000 prompt tokens with a 128-token suffix, the cursor on line 500.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FimInput } from '../../src/prompt/fimPrompt';

const ROOT = path.join(__dirname, '../..');
const LINES = fs.readFileSync(path.join(ROOT, 'node_modules/typescript/lib/typescript.js'), 'utf8').split('\n').slice(20_000, 20_600);
const CURSOR_LINE = 500;

export const KEYSTROKE_BUDGET = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 0 };

/** The document with `typed` written at the cursor. */
export function keystrokeInput(typed: string): FimInput {
  return {
    prefix: LINES.slice(0, CURSOR_LINE).join('\n') + '\n    const value = ' + typed,
    prefixStartLine: 0,
    suffix: '\n' + LINES.slice(CURSOR_LINE, CURSOR_LINE + 40).join('\n'),
    filePath: 'src/compiler/checker.ts',
  };
}
