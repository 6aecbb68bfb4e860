import { parseArgs } from 'node:util';
import { promptContext } from '../chat/chatContext';
import { explainPrompt, refactorPrompt, type PromptContext } from '../chat/chatPrompts';
import { codeTarget, type CodeTarget, type Position } from '../chat/codeTarget';
import { EXPLAIN_MAX_TOKENS } from '../chat/conversation';
import { dedent } from '../chat/dedent';
import { detectIndent, refactorMaxTokens, refactorTarget } from '../chat/refactorTarget';
import { presetFor } from '../chat/instructions';
import { handleRefactorOutput } from '../chat/refactorOutput';
import { unifiedDiff } from '../chat/unifiedDiff';
import type { WorkerClient } from '../workerClient/workerClient';
import { loadParams, MODEL_OPTIONS, readTextFile, required, startWorker, UsageError } from './args';
import { SERVER_OPTIONS, serverFromArgs, serverTimings } from './serverOptions';
import { FILE_OPTIONS, readSourceFile, workspaceContext, type FileValues, type SourceFile } from './sourceFile';

/**
 * `slm explain | refactor` on a range of a file, through the same target, context, prompts and
 * output handling as the editor's commands. Lines and columns are 1-based.
 */
const RANGE_OPTIONS = { ...FILE_OPTIONS, range: { type: 'string' } } as const;

/** `L1:C1-L2:C2`, 1-based and inclusive of L2's text up to C2 (an empty range is a cursor). */
export function parseRange(value: string | undefined, lines: readonly string[]): { start: Position; end: Position } {
  const match = /^(\d+):(\d+)-(\d+):(\d+)$/.exec(required(value, 'range').trim());
  if (!match) throw new UsageError(`--range must look like L1:C1-L2:C2 (1-based lines and columns), got "${value}"`);
  const [l1, c1, l2, c2] = match.slice(1).map(Number);
  const check = (line: number, col: number) => {
    if (line < 1 || line > lines.length) throw new UsageError(`--range: line ${line} is not from 1 to ${lines.length}`);
    if (col < 1 || col > lines[line - 1].length + 1) throw new UsageError(`--range: column ${col} is not from 1 to ${lines[line - 1].length + 1} on line ${line}`);
  };
  check(l1, c1);
  check(l2, c2);
  if (l2 < l1 || (l2 === l1 && c2 < c1)) throw new UsageError('--range ends before it starts');
  return { start: { line: l1 - 1, character: c1 - 1 }, end: { line: l2 - 1, character: c2 - 1 } };
}

/** The target, and the context the editor's context engine gives for it (no diagnostics: no language server here). */
async function targetWithContext(values: FileValues & { range?: string }, withContext: boolean): Promise<{ source: SourceFile; target: CodeTarget; context: PromptContext }> {
  const source = readSourceFile(values);
  const target = await codeTarget({ path: source.path, languageId: source.languageId, text: source.text }, parseRange(values.range, source.lines));
  if (!withContext) return { source, target, context: { snippets: [], diagnostics: [] } };
  const engine = await workspaceContext(values, source);
  try {
    return { source, target, context: await promptContext(engine, target, { uri: source.uri, text: source.text }, []) };
  } finally {
    engine.dispose();
  }
}

async function chatWorker(values: Parameters<typeof loadParams>[0], quiet: boolean): Promise<WorkerClient> {
  const client = startWorker(quiet);
  try {
    const model = await client.load({ ...loadParams(values), role: 'chat' });
    if (!model.canChat) throw new UsageError(`${model.name} has no chat template: choose an instruct model with --model`);
    return client;
  } catch (err) {
    await client.dispose();
    throw err;
  }
}

export async function explainCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...MODEL_OPTIONS, ...SERVER_OPTIONS, ...RANGE_OPTIONS, 'prompt-only': { type: 'boolean', default: false } } });
  const server = serverFromArgs(values, values.json);
  const { target, context } = await targetWithContext(values, true);
  const { messages } = explainPrompt(target, dedent(target.text, detectIndent(target.text).tabSize), context);
  if (server) {
    if (values['prompt-only']) throw new UsageError('--prompt-only needs --model: the server applies its own chat template');
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    try {
      const connection = await server.connected();
      const result = await server.chat({ messages, maxNewTokens: EXPLAIN_MAX_TOKENS }, { signal: abort.signal, onText: values.json ? undefined : (d) => process.stdout.write(d) });
      const timings = serverTimings(result.figures);
      if (values.json) {
        // The prompt is rendered by the server's chat template: `messages` is what was sent.
        process.stdout.write(JSON.stringify({ text: result.text, prompt: null, messages, promptTokens: timings.promptTokens, timings, protocol: connection.adapter.protocol }, null, 2) + '\n');
        return;
      }
      process.stdout.write('\n');
      process.stderr.write(`${timings.promptTokens} prompt tokens, ${timings.newTokens} new (${result.finishReason}); first token ${timings.firstTokenMs?.toFixed(0) ?? '-'} ms (${connection.adapter.protocol} server)\n`);
    } finally {
      await server.dispose();
    }
    return;
  }
  const client = await chatWorker(values, values.json);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const prompt = await client.request('chatPrompt', { messages });
    if (values['prompt-only']) {
      if (values.json) {
        process.stdout.write(JSON.stringify({ text: '', prompt: prompt.text, promptTokens: prompt.tokens, timings: null }, null, 2) + '\n');
      } else {
        process.stdout.write(`${prompt.text}\n`);
        process.stderr.write(`${prompt.tokens} prompt tokens\n`);
      }
      return;
    }
    const result = await client.request('chat', { messages, maxNewTokens: EXPLAIN_MAX_TOKENS }, { signal: abort.signal, onPartial: values.json ? undefined : (p) => process.stdout.write(p.text) });
    if (values.json) {
      process.stdout.write(JSON.stringify({ text: result.text, prompt: prompt.text, promptTokens: result.timings.promptTokens, timings: result.timings }, null, 2) + '\n');
      return;
    }
    const t = result.timings;
    process.stdout.write('\n');
    process.stderr.write(`${t.promptTokens} prompt tokens, ${t.newTokens} new (${result.finishReason}); first token ${t.firstTokenMs?.toFixed(0) ?? '-'} ms, ${t.decodeTokensPerSecond.toFixed(1)} tok/s\n`);
  } finally {
    await client.dispose();
  }
}

export async function refactorCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...MODEL_OPTIONS, ...SERVER_OPTIONS, ...RANGE_OPTIONS, instruction: { type: 'string' }, 'raw-file': { type: 'string' } } });
  const server = serverFromArgs(values, values.json);
  const preset = presetFor(required(values.instruction, 'instruction'));
  const rawFile = values['raw-file'];
  // With --raw-file nothing is generated, so no model and no context are needed.
  const { source, target, context } = await targetWithContext(values, !rawFile);
  const indent = detectIndent(source.text);
  let raw: string;
  if (rawFile) raw = readTextFile(rawFile);
  else {
    const prompt = refactorPrompt(target, dedent(target.text, indent.tabSize), preset.instruction, context);
    const request = { messages: prompt.messages, prefill: prompt.prefill, stopStrings: prompt.stopStrings, maxNewTokens: refactorMaxTokens(target.text), speculation: { promptLookup: true } };
    if (server) {
      try {
        raw = (await server.chat(request)).text;
      } finally {
        await server.dispose();
      }
    } else {
      const client = await chatWorker(values, values.json);
      try {
        raw = (await client.request('chat', request)).text;
      } finally {
        await client.dispose();
      }
    }
  }
  const edit = refactorTarget(source.text, target, indent, { prefilled: true, insertOnly: preset.insertOnly, instruction: preset.instruction });
  const outcome = await handleRefactorOutput(raw, edit);
  const replacementLines = outcome.ok ? outcome.replacement.replace(/\r?\n$/, '') : target.text;
  const out = {
    replacement: replacementLines,
    range: { startLine: target.startLine + 1, endLine: target.endLine + 1 },
    // Whole documents, so that the hunks carry the file's own line numbers.
    diff: outcome.ok ? unifiedDiff(source.text, edit.before + outcome.replacement + edit.after, source.path) : '',
    applied: outcome.ok,
    reason: outcome.ok ? null : outcome.reason,
  };
  if (values.json) {
    process.stdout.write(JSON.stringify(out, null, 2) + '\n');
    return;
  }
  if (outcome.ok) process.stdout.write(out.diff);
  else process.stderr.write(`not applied: ${outcome.reason}\n`);
}
