import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { CompletionService, type CompletionPlan, type CompletionRequest, type CompletionSettings } from '../completion/completionService';
import type { ContextResult } from '../context/contextEngine';
import type { PromptPart } from '../prompt/fimPrompt';
import { readSettings } from '../settings/settings';
import { lineStartOffsets } from '../shared/lineOffsets';
import type { ServerBackend } from '../backend/server/serverBackend';
import { loadParams, MODEL_OPTIONS, numberArg, readTextFile, required, startWorker, UsageError } from './args';
import { SERVER_OPTIONS, serverFromArgs, serverTimings } from './serverOptions';
import { FILE_OPTIONS, readSourceFile, workspaceContext, type FileValues, type SourceFile } from './sourceFile';

/**
 * `slm complete | prompt | postprocess` at a file position, through the same CompletionService
 * the extension uses (default settings), so what they print is what the editor would do.
 * Lines and columns are 1-based, as editors show them.
 */
const POSITION_OPTIONS = {
  ...FILE_OPTIONS,
  line: { type: 'string' },
  col: { type: 'string' },
} as const;

/** `--fim-order psm|spm` (slm.fimOrder), for `complete` and `prompt`. */
const ORDER_OPTIONS = { 'fim-order': { type: 'string' } } as const;

function positionRequest(values: FileValues & { line?: string; col?: string }): { source: SourceFile; request: CompletionRequest } {
  const source = readSourceFile(values);
  const { lines, text } = source;
  const line = numberArg(required(values.line, 'line'), 'line')!;
  const col = numberArg(required(values.col, 'col'), 'col')!;
  if (line < 1 || line > lines.length) throw new UsageError(`--line must be from 1 to ${lines.length}`);
  if (col < 1 || col > lines[line - 1].length + 1) throw new UsageError(`--col must be from 1 to ${lines[line - 1].length + 1} on line ${line}`);
  const request: CompletionRequest = {
    documentId: source.uri,
    document: { lineCount: lines.length, lineText: (i) => lines[i] },
    languageId: source.languageId,
    position: { line: line - 1, character: col - 1 },
    explicit: true,
    filePath: source.path,
    repoName: path.basename(source.workspace),
    fullText: () => ({ text, cursorOffset: lineStartOffsets(text)[line - 1] + col - 1 }),
  };
  return { source, request };
}

/** Each snippet as the prompt got it: exact token counts from the worker's prompt parts (in snippet order). */
function describeContext(context: ContextResult | undefined, parts: PromptPart[]) {
  if (!context) return undefined;
  const placed = parts.filter((p) => p.kind === 'context');
  return {
    snippets: context.snippets.map((s, i) => ({
      path: s.path,
      range: s.range && { startLine: s.range.startLine + 1, endLine: s.range.endLine + 1 },
      source: s.source,
      score: Number(s.score.toFixed(4)),
      estimatedTokens: s.tokens,
      // Templates without a repo-level format (DeepSeek-Coder, CodeLlama) take no snippets.
      tokens: placed[i]?.tokens ?? 0,
      ...(placed[i]?.droppedChars ? { dropped: 'prompt budget (exact token count)' } : placed[i] ? {} : { dropped: 'the template has no repo-level format' }),
    })),
    dropped: context.dropped,
    timingsMs: Object.fromEntries(Object.entries(context.timings).map(([k, v]) => [k, Number(v.toFixed(2))])),
  };
}

/** The default settings, with slm.fimOrder from `--fim-order`. */
function settingsFrom(values: { 'fim-order'?: string }): () => CompletionSettings {
  const order = values['fim-order'];
  if (order !== undefined && order !== 'psm' && order !== 'spm') throw new UsageError(`--fim-order must be psm or spm (got ${order})`);
  const completion = readSettings({ get: <T>(key: string) => (key === 'fimOrder' ? order : undefined) as T | undefined }).settings.completion;
  return () => completion;
}
const settings = settingsFrom({});
/** The commands plan and finish with the service and ask the worker themselves, to print its whole result. */
const NO_BACKEND = { infill: () => Promise.reject(new Error('the CLI asks the worker directly')) };

export async function completeCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...MODEL_OPTIONS, ...SERVER_OPTIONS, ...POSITION_OPTIONS, ...ORDER_OPTIONS } });
  const settings = settingsFrom(values);
  const server = serverFromArgs(values, values.json);
  if (server) return completeWithServer(server, values, settings);
  const load = loadParams(values);
  const { source, request } = positionRequest(values);
  const client = startWorker(values.json);
  try {
    const model = await client.load(load);
    const context = await workspaceContext(values, source);
    const service = new CompletionService(NO_BACKEND, settings, {}, context);
    const plan = service.plan(request);
    await service.addContext(request, plan);
    context.dispose();
    const result = await client.request('complete', plan.params);
    const completion = service.finish(result.text, plan, undefined, result.finishReason);
    if (values.json) {
      process.stdout.write(JSON.stringify({ completion, raw: result.text, multiline: plan.multiline, finishReason: result.finishReason, timings: result.timings, prompt: result.prompt, model: model.name }, null, 2) + '\n');
      return;
    }
    process.stdout.write(completion + '\n');
    const t = result.timings;
    process.stderr.write(`${t.promptTokens} prompt tokens (${result.prompt.template}, ${result.prompt.order.toUpperCase()}), ${t.newTokens} new; prefill ${t.prefillMs.toFixed(0)} ms, decode ${t.decodeMs.toFixed(0)} ms (${t.decodeTokensPerSecond.toFixed(1)} tok/s)\n`);
  } finally {
    await client.dispose();
  }
}

/** `slm complete --server`: the same plan, context and post-processing; the server generates. */
async function completeWithServer(server: ServerBackend, values: Parameters<typeof positionRequest>[0] & { json?: boolean }, settings: () => CompletionSettings): Promise<void> {
  const { source, request } = positionRequest(values);
  try {
    const connection = await server.connected();
    const context = await workspaceContext(values, source);
    const service = new CompletionService(NO_BACKEND, settings, {}, context);
    const plan = service.plan(request);
    await service.addContext(request, plan);
    context.dispose();
    const result = await server.infill(plan.params);
    const completion = service.finish(result.text, plan);
    const timings = serverTimings(result.figures);
    const protocol = connection.adapter.protocol;
    if (values.json) {
      // The worker's prompt parts are exact token counts; a server tokenizes for itself, so none are given.
      const prompt = { template: connection.fim, parts: [], buildMs: result.figures.promptMs ?? 0 };
      process.stdout.write(JSON.stringify({ completion, raw: result.text, multiline: plan.multiline, finishReason: result.finishReason, timings, prompt, model: connection.modelName, protocol }, null, 2) + '\n');
      return;
    }
    process.stdout.write(completion + '\n');
    process.stderr.write(`${protocol} server ${connection.endpoint.origin} (${connection.modelName}): ${timings.promptTokens} prompt tokens (${timings.reusedTokens} cached), ${timings.newTokens} new; prefill ${timings.prefillMs.toFixed(0)} ms, decode ${timings.decodeMs.toFixed(0)} ms, total ${timings.totalMs.toFixed(0)} ms\n`);
  } finally {
    await server.dispose();
  }
}

export async function promptCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...MODEL_OPTIONS, ...POSITION_OPTIONS, ...ORDER_OPTIONS } });
  const settings = settingsFrom(values);
  const load = loadParams(values);
  const { source, request } = positionRequest(values);
  const client = startWorker(true);
  try {
    await client.load(load);
    const context = await workspaceContext(values, source);
    const service = new CompletionService(NO_BACKEND, settings, {}, context);
    const plan: CompletionPlan = service.plan(request);
    const found = await service.addContext(request, plan);
    context.dispose();
    const prompt = await client.request('prompt', { input: plan.params.input, budget: plan.params.budget, fimOrder: plan.params.fimOrder });
    const out = {
      text: prompt.text, tokens: prompt.ids.length, template: prompt.template, order: prompt.order, parts: prompt.parts, multiline: plan.multiline,
      window: { prefixStartLine: plan.window.prefixStartLine, prefixChars: plan.window.prefix.length, suffixChars: plan.window.suffix.length },
      context: describeContext(found, prompt.parts),
    };
    process.stdout.write(values.json ? JSON.stringify(out, null, 2) + '\n' : `${prompt.text}\n`);
  } finally {
    await client.dispose();
  }
}

export async function postprocessCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { ...POSITION_OPTIONS, 'raw-file': { type: 'string' }, json: { type: 'boolean', default: false } } });
  const { request } = positionRequest(values);
  const raw = readTextFile(required(values['raw-file'], 'raw-file'));
  const service = new CompletionService(NO_BACKEND, settings);
  const plan = service.plan(request);
  const completion = service.finish(raw, plan);
  process.stdout.write(values.json ? JSON.stringify({ completion, multiline: plan.multiline }, null, 2) + '\n' : completion + '\n');
}
