/**
 * `npm run bench:typing`: what context snippets cost while typing. A typing session replays a few
 * consecutive lines of a real package's file (read from node_modules at bench time, never copied
 * here) being typed from scratch into that file: one change per keystroke to the context engine
 * (VS Code-shaped; brackets and quotes auto-closed and typed over, as VS Code does), and a
 * completion request at the end of every few words and after each Enter, each through
 * CompletionService.plan + addContext and the real worker's 'complete' (extension defaults, greedy,
 * 16 new tokens, prompt lookup on). Requests run one after another, none cancelled; no debounce.
 * Results: test/bench/NOTES.md, "Typing session".
 *
 * Then paced typing (`--paced-only`: that alone): each line of the region emptied and typed a key
 * every PACE_MS through CompletionService.provide, each key cancelling the request before it as
 * VS Code does, with the in-flight reuse off and on: model calls and each key's latency to an
 * answer. NOTES.md, "Typing while a completion generates".
 *
 * The same session runs with maxContextTokens 0 and 512, interleaved (A B A B) in one process and
 * one worker. Snippets come before the prefix in the prompt, so a change in them costs a prefill
 * of everything after: the table counts those changes and the tokens each request had to prefill.
 *
 *   npx tsx test/bench/typingSession.ts [--sizes qwen2.5-coder-0.5b,qwen2.5-coder-1.5b] [--repeats 2]
 *     [--workspace semver] [--file classes/range.js] [--lines 117-123] [--open classes/comparator.js,internal/re.js] [--no-auto-close] [--trace] [--paced-only]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CompletionService, type CompletionRequest, type CompletionSettings, type RequestRecord } from '../../src/completion/completionService';
import { formatRecord } from '../../src/completion/requestLog';
import type { ContextSnippet } from '../../src/context/snippet';
import type { TextChange } from '../../src/treeSitter/parser';
import { WorkspaceContext } from '../../src/context/workspaceContext';
import { readSettings } from '../../src/settings/settings';
import { LocalBackend } from '../../src/backend/local/localBackend';
import type { CompleteResult } from '../../src/worker/protocol';
import { WorkerClient } from '../../src/workerClient/workerClient';
import { ensureTestModel, type ModelSize } from '../modelgen/testModels';
import { isa } from './isa';
import { runBench } from './runBench';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * q))] ?? NaN;
const median = (xs: number[]) => quantile(xs, 0.5);

/** Requests within a line: the ends of at most this many words (evenly spread, the last always), plus one after Enter. */
const REQUESTS_PER_LINE = 5;
/** A request that prefills more than this many tokens before the cursor paid for a change up front (snippets, a dropped prefix chunk). */
const BIG_PREFILL = 200;

//#region The session: keystrokes and the points where a completion is asked for

interface Keystroke {
  /** Inserted at the cursor: a character, a line's indentation, or Enter with the next line's indentation. */
  text: string;
  /** Ask for a completion after this keystroke. */
  request?: 'word' | 'enter';
}

/** Typing `lines` from scratch: indentation in one go (as auto-indent gives it), then character by character. */
function keystrokes(lines: string[]): Keystroke[] {
  const out: Keystroke[] = [];
  lines.forEach((line, i) => {
    const indent = /^\s*/.exec(line)![0];
    if (i === 0 && indent) out.push({ text: indent });
    const body = line.slice(indent.length);
    const wordEnds: number[] = [];
    for (let c = 0; c < body.length; c++) if (/\w/.test(body[c]) && !/\w/.test(body[c + 1] ?? ' ')) wordEnds.push(c);
    const chosen = new Set(wordEnds.length <= REQUESTS_PER_LINE ? wordEnds : Array.from({ length: REQUESTS_PER_LINE }, (_, k) => wordEnds[Math.round(((k + 1) * wordEnds.length) / REQUESTS_PER_LINE) - 1]));
    for (let c = 0; c < body.length; c++) out.push({ text: body[c], request: chosen.has(c) ? 'word' : undefined });
    const nextIndent = /^\s*/.exec(lines[i + 1] ?? line)![0];
    out.push({ text: '\n' + nextIndent, request: 'enter' });
  });
  return out;
}

/** VS Code's auto-closing pairs for JavaScript, and its default `editor.autoCloseBefore`. */
const PAIRS: Record<string, string> = { '(': ')', '[': ']', '{': '}', "'": "'", '"': '"', '`': '`' };
const AUTO_CLOSE_BEFORE = ';:.,=}])> \t';

/** The edited file: its text, and the cursor as line, character and offset. */
class EditedFile {
  version = 1;
  /** Closing characters the editor inserted and the user has not typed over yet, innermost last. */
  private readonly closers: string[] = [];
  line: number;
  character = 0;
  offset: number;

  constructor(
    public text: string,
    line: number,
  ) {
    this.line = line;
    this.offset = text.split('\n').slice(0, line).reduce((n, l) => n + l.length + 1, 0);
  }

  /**
   * A keystroke as VS Code's defaults handle it (with `autoClose`): an opening bracket or quote
   * also inserts its closer when the next character allows it (not in a line comment, quotes not
   * after a word), and typing a closer the editor inserted moves over it: no change at all.
   */
  key(text: string, autoClose: boolean): TextChange | undefined {
    if (text.includes('\n')) this.closers.length = 0;
    if (!autoClose || text.length !== 1) return this.type(text);
    const next = this.text[this.offset] ?? '\n';
    if (this.closers.at(-1) === text && next === text) {
      this.closers.pop();
      this.offset++;
      this.character++;
      return undefined;
    }
    const before = this.text.slice(this.text.lastIndexOf('\n', this.offset - 1) + 1, this.offset);
    const quote = PAIRS[text] === text;
    if (PAIRS[text] && (next === '\n' || AUTO_CLOSE_BEFORE.includes(next)) && !before.includes('//') && !(quote && /\w$/.test(before))) {
      const change = this.type(text + PAIRS[text]);
      this.offset--;
      this.character--;
      this.closers.push(PAIRS[text]);
      return change;
    }
    return this.type(text);
  }

  /** Inserts at the cursor; returns the change as VS Code reports it. */
  type(text: string): TextChange {
    const at = { line: this.line, character: this.character };
    const change = { range: { start: at, end: at }, rangeOffset: this.offset, rangeLength: 0, text };
    this.text = this.text.slice(0, this.offset) + text + this.text.slice(this.offset);
    this.offset += text.length;
    const lines = text.split('\n');
    this.line += lines.length - 1;
    this.character = lines.length > 1 ? lines[lines.length - 1].length : this.character + text.length;
    this.version++;
    return change;
  }
}

//#endregion

//#region One session in one mode

interface Sample {
  line: number;
  character: number;
  request: 'word' | 'enter';
  ms: number;
  contextMs: number;
  promptTokens: number;
  reusedTokens: number;
  /** Tokens up to the end of the prefix that were not reused: paid for before the cursor. */
  prefilledBeforeCursor: number;
  newTokens: number;
  snippetTokens: number;
  /** Snippets (by source) in this prompt that the previous request's prompt lacked; empty: unchanged. */
  changed: string[];
  /** Context sources the engine left out for time (over their budget), e.g. 'imports'. */
  late: string[];
  /** The prompt's prefix starts elsewhere than in the previous request's (a chunk dropped from its start, or taken back). */
  prefixMoved: boolean;
}

interface Workspace {
  root: string;
  file: string;
  open: string[];
  from: number;
  to: number;
}

const snippetKey = (s: ContextSnippet) => `${s.source} ${s.path}:${(s.range?.startLine ?? -1) + 1}-${(s.range?.endLine ?? -1) + 1}`;

async function session(client: WorkerClient, ws: Workspace, maxContextTokens: number, options: { trace: boolean; autoClose: boolean }): Promise<Sample[]> {
  const trace = options.trace;
  const abs = (rel: string) => path.join(ws.root, rel);
  const original = fs.readFileSync(abs(ws.file), 'utf8').split('\n');
  const typed = original.slice(ws.from - 1, ws.to);
  // The region's lines are gone; the cursor stands on an empty line where they were.
  const buffer = new EditedFile([...original.slice(0, ws.from - 1), '', ...original.slice(ws.to)].join('\n'), ws.from - 1);
  const uri = pathToFileURL(abs(ws.file)).href;
  const others = ws.open.map((rel) => ({ uri: pathToFileURL(abs(rel)).href, path: rel, languageId: 'javascript', text: fs.readFileSync(abs(rel), 'utf8'), version: 1 }));
  const documents = { list: () => [{ uri, path: ws.file, languageId: 'javascript', text: buffer.text, version: buffer.version }, ...others] };

  const ctx = new WorkspaceContext({ roots: [ws.root], documents, log: () => {} });
  await ctx.indexWorkspace();
  for (const doc of others) {
    await ctx.opened(doc.uri, doc.languageId, () => doc.text);
    ctx.viewed(doc.uri);
  }
  await ctx.opened(uri, 'javascript', () => buffer.text);
  ctx.viewed(uri);

  const defaults = readSettings({ get: () => undefined }).settings.completion;
  // Greedy (no sampling params), 16 new tokens, prompt lookup; no time budget cut, so every request does the same work.
  const settings: CompletionSettings = { ...defaults, maxNewTokens: 16, maxContextTokens, timeBudgetMs: 60_000, speculation: { promptLookup: true, draftModel: false } };
  const service = new CompletionService({ infill: () => Promise.reject(new Error('the session asks the worker itself')) }, () => settings, {}, ctx);

  let previous = new Set<string>();
  let previousPrefixStart = '';
  const ask = async (kind: 'word' | 'enter'): Promise<Sample> => {
    const lines = buffer.text.split('\n');
    const text = buffer.text;
    const cursorOffset = buffer.offset;
    const request: CompletionRequest = {
      documentId: uri,
      document: { lineCount: lines.length, lineText: (i) => lines[i] },
      languageId: 'javascript',
      position: { line: buffer.line, character: buffer.character },
      explicit: false,
      filePath: ws.file,
      repoName: path.basename(ws.root),
      fullText: () => ({ text, cursorOffset }),
    };
    const started = performance.now();
    const plan = service.plan(request);
    const found = await service.addContext(request, plan);
    const contextMs = performance.now() - started;
    const result: CompleteResult = await client.request('complete', plan.params);
    const ms = performance.now() - started;
    service.finish(result.text, plan);

    const keys = new Set((found?.snippets ?? []).map(snippetKey));
    const changed = [...keys].filter((k) => !previous.has(k));
    if (keys.size !== previous.size && changed.length === 0) changed.push('(removed)');
    previous = keys;
    const parts = result.prompt.parts;
    const prefixPart = parts.find((p) => p.kind === 'prefix');
    // The prefix window's first line and the characters the prompt cut from it: where the prompt's prefix starts.
    const prefixStart = `${plan.params.input.prefixStartLine}+${prefixPart?.droppedChars ?? 0}`;
    const prefixMoved = previousPrefixStart !== '' && prefixStart !== previousPrefixStart;
    previousPrefixStart = prefixStart;
    const prefixEnd = parts.slice(0, parts.findIndex((p) => p.kind === 'prefix') + 1).reduce((n, p) => n + p.tokens, 0);
    const t = result.timings;
    return {
      line: buffer.line + 1,
      character: buffer.character,
      request: kind,
      ms,
      contextMs,
      promptTokens: t.promptTokens,
      reusedTokens: t.reusedTokens,
      prefilledBeforeCursor: Math.max(0, prefixEnd - t.reusedTokens),
      newTokens: t.newTokens,
      snippetTokens: parts.filter((p) => p.kind === 'context').reduce((n, p) => n + p.tokens, 0),
      changed,
      prefixMoved,
      late: (found?.dropped ?? []).filter((d) => !d.reason.startsWith('budget:')).map((d) => d.source),
    };
  };

  // The user placed the cursor and completions ran there (untimed): the worker's cache holds this
  // file, not the last session's, and the context engine's imports are read (the first build may
  // miss the imports' 20 ms budget while it reads them from disk).
  await ask('enter');
  await ask('enter');
  const samples: Sample[] = [];
  for (const key of keystrokes(typed)) {
    const change = buffer.key(key.text, options.autoClose);
    if (change) ctx.changed(uri, [change]);
    if (!key.request) continue;
    const sample = await ask(key.request);
    samples.push(sample);
    if (trace) {
      const s = sample;
      console.error(
        `  [ctx ${maxContextTokens}] ${s.line}:${s.character} ${s.request.padEnd(5)} ${s.ms.toFixed(0).padStart(5)} ms (context ${s.contextMs.toFixed(1)} ms), prompt ${s.promptTokens}, reused ${s.reusedTokens}, prefilled before cursor ${s.prefilledBeforeCursor}, snippets ${s.snippetTokens} tok${s.late.length ? `, over time: ${s.late.join(', ')}` : ''}${s.prefixMoved ? ', prefix start moved' : ''}${s.changed.length ? `, changed: ${s.changed.join('; ')}` : ''}`,
      );
    }
  }
  ctx.dispose();
  const result = buffer.text.split('\n').slice(ws.from - 1, ws.to);
  if (result.join('\n') !== typed.join('\n')) throw new Error(`the session typed ${JSON.stringify(result)}, not the file's lines`);
  return samples;
}

//#endregion

//#region Paced typing through CompletionService: a generation in flight kept for what is typed

/** Between keys: ~5.5 characters a second, ordinary typing. */
const PACE_MS = 180;
/** VS Code cancels the running request on each change and asks again this long after it (InlineCompletionsDebounce, 50 ms). */
const EDITOR_DEBOUNCE_MS = 50;
/** Keys typed per paced session (fewer where the text to type ends sooner). */
const PACED_KEYS = 10;

interface PacedRun {
  /** Per key: ms from the key to its request's answer, where it came before the next key (the last: whenever it came). */
  keys: (number | undefined)[];
  /** Where each answered key's completion came from. */
  sources: string[];
  /** Generations started (backend infill calls), the line start's included. */
  calls: number;
}

/**
 * One paced session at line `line` (emptied to its indentation; the rest of the file as it is):
 * a request at the line's start, then `text` typed one key every PACE_MS, each key cancelling
 * the request before it and asking anew EDITOR_DEBOUNCE_MS later, as VS Code does, through
 * CompletionService.provide over the real worker (extension defaults: debounce on, 16 new
 * tokens, no context snippets).
 */
async function pacedSession(backend: LocalBackend, ws: Workspace, line: number, text: string, reuse: boolean): Promise<PacedRun> {
  const original = fs.readFileSync(path.join(ws.root, ws.file), 'utf8').split('\n');
  const indent = /^\s*/.exec(original[line - 1])![0];
  const buffer = new EditedFile([...original.slice(0, line - 1), '', ...original.slice(line)].join('\n'), line - 1);
  buffer.type(indent);
  const defaults = readSettings({ get: () => undefined }).settings.completion;
  const settings: CompletionSettings = { ...defaults, maxNewTokens: 16, maxContextTokens: 0, timeBudgetMs: 60_000, inFlightReuse: reuse };
  let calls = 0;
  const t0 = performance.now();
  const onRecord = (r: RequestRecord) => process.argv.includes('--trace') && console.error(`    ${(performance.now() - t0).toFixed(0).padStart(5)} ms ${formatRecord(r)}${r.result ? ` ${JSON.stringify(r.result.text.slice(0, 24))}` : ""}`);
  const service = new CompletionService({ infill: (params, options) => (calls++, backend.infill(params, options)) }, () => settings, { onRecord });
  const keys: (number | undefined)[] = [];
  const sources: string[] = [];
  let current: AbortController | undefined;
  let last: Promise<unknown> = Promise.resolve();
  /** A change (or none, for the cursor placed at the line's start): VS Code cancels the request before and asks again. */
  const ask = (key: number | undefined) => {
    const pressed = performance.now();
    current?.abort();
    const controller = (current = new AbortController());
    const lines = buffer.text.split('\n');
    const request: CompletionRequest = { documentId: 'file:///paced.js', document: { lineCount: lines.length, lineText: (l) => lines[l] }, languageId: 'javascript', position: { line: buffer.line, character: buffer.character }, explicit: false };
    const isLast = key === text.length - 1;
    last = new Promise((r) => setTimeout(r, EDITOR_DEBOUNCE_MS))
      .then(() => (controller.signal.aborted ? undefined : service.provide(request, controller.signal)))
      .then((shown) => {
        if (key === undefined || (controller.signal.aborted && !isLast)) return;
        keys[key] = performance.now() - pressed;
        sources.push(shown?.source ?? 'nothing');
      });
  };
  // The cursor arrives at the line's start: its completion starts generating; the user types on.
  ask(undefined);
  for (let i = 0; i < text.length; i++) {
    const due = t0 + (i + 1) * PACE_MS;
    if (performance.now() < due) await new Promise((r) => setTimeout(r, due - performance.now()));
    buffer.type(text[i]);
    ask(i);
  }
  await last;
  // What the session left running settles before the next one (the grace of a generation nobody waits for).
  await new Promise((r) => setTimeout(r, 600));
  return { keys: Array.from({ length: text.length }, (_, i) => keys[i]), sources, calls };
}

/**
 * Paced sessions at each line of the region, typing (a) what the model writes there (its own
 * greedy output, fetched untimed first: the case where it is right) and (b) the file's own text
 * (where this generated model's noise is wrong from the first character), each with the
 * in-flight reuse off (the earlier behaviour) and on, interleaved.
 */
async function pacedTyping(modelDir: string, ws: Workspace): Promise<string[]> {
  const backend = new LocalBackend({
    workerPath: path.join(ROOT, 'dist/worker.js'),
    log: (level, line) => level !== 'info' && console.error(`[${level}] ${line}`),
    plan: () => ({ completion: { role: 'completion', modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') } }),
  });
  const runs = new Map<string, PacedRun[]>();
  try {
    await backend.load();
    const original = fs.readFileSync(path.join(ws.root, ws.file), 'utf8').split('\n');
    for (let line = ws.from; line <= ws.to; line++) {
      const body = original[line - 1].trimStart();
      // The model's own text at the start of the emptied line.
      const probe = new CompletionService({ infill: () => Promise.reject(new Error('unused')) }, () => ({ ...readSettings({ get: () => undefined }).settings.completion, maxNewTokens: 16, maxContextTokens: 0, timeBudgetMs: 60_000 }));
      const indent = /^\s*/.exec(original[line - 1])![0];
      const lines = [...original.slice(0, line - 1), indent, ...original.slice(line)];
      const plan = probe.plan({ documentId: 'file:///paced.js', document: { lineCount: lines.length, lineText: (l) => lines[l] }, languageId: 'javascript', position: { line: line - 1, character: indent.length }, explicit: true });
      // Asked twice: the second answer comes from the fully reused cache, as the session's first
      // request will (4-bit kernels round differently over a partly reused one, and with
      // generated weights near-ties then flip the greedy text on some lines).
      await backend.infill(plan.params);
      const own = (await backend.infill(plan.params)).text.split('\n')[0];
      for (const [what, text] of [['the model\'s own text', own], ['the file\'s text', body]] as const) {
        if (text.length < 3) continue;
        for (const reuse of [false, true]) {
          const key = `${what}|${reuse ? 'on' : 'off'}`;
          // Each session starts with the worker's cache at the line's start (the session before left it elsewhere).
          await backend.infill(plan.params);
          const run = await pacedSession(backend, ws, line, text.slice(0, PACED_KEYS), reuse);
          runs.set(key, [...(runs.get(key) ?? []), run]);
          if (process.argv.includes('--trace')) console.error(`  paced ${line} ${key} ${JSON.stringify(text.slice(0, PACED_KEYS))}: ${run.calls} calls, ${run.keys.map((k) => (k === undefined ? '-' : k.toFixed(0))).join(' ')} (${run.sources.join(' ')})`);
        }
      }
    }
  } finally {
    await backend.dispose();
  }
  return [...runs].map(([key, list]) => {
    const [what, reuse] = key.split('|');
    const keys = list.flatMap((r) => r.keys);
    const answered = keys.filter((k): k is number => k !== undefined);
    const lastKeys = list.map((r) => r.keys.at(-1)!);
    const fromModel = list.flatMap((r) => r.sources).filter((s) => s === 'in-flight').length;
    const first = list[0].keys.map((k) => (k === undefined ? '-' : k.toFixed(0))).join(' ');
    return `| ${what} | ${reuse} | ${list.length} | ${list.reduce((n, r) => n + r.calls, 0)} | ${answered.length - list.length} of ${keys.length - list.length} | ${median(answered).toFixed(0)} ms | ${median(lastKeys).toFixed(0)} ms / ${quantile(lastKeys, 0.9).toFixed(0)} ms | ${fromModel} | ${first} |`;
  });
}

//#endregion

async function main(): Promise<void> {
  const sizes = (arg('--sizes') ?? 'qwen2.5-coder-0.5b').split(',') as ModelSize[];
  const repeats = Number(arg('--repeats')) || 2;
  const [from, to] = (arg('--lines') ?? '117-123').split('-').map(Number);
  const ws: Workspace = {
    root: path.join(ROOT, 'node_modules', arg('--workspace') ?? 'semver'),
    file: arg('--file') ?? 'classes/range.js',
    open: (arg('--open') ?? 'classes/comparator.js,internal/re.js').split(',').filter(Boolean),
    from,
    to,
  };
  const modes = [0, 512];
  const trace = process.argv.includes('--trace');
  const autoClose = !process.argv.includes('--no-auto-close');
  const pacedOnly = process.argv.includes('--paced-only');
  const client = new WorkerClient({ workerPath: path.join(ROOT, 'dist/worker.js'), log: (level, line) => level !== 'info' && console.error(`[${level}] ${line}`) });
  const rows: string[] = [];
  const models: [ModelSize, string][] = [];
  try {
    for (const size of sizes) {
      const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
      models.push([size, modelDir]);
      if (pacedOnly) continue;
      await client.load({ role: 'completion', modelDir, device: 'cpu', precision: 'q4', cacheDir: path.join(ROOT, '.cache/engine') });
      const byMode = new Map<number, Sample[]>(modes.map((m) => [m, []]));
      for (let r = 0; r < repeats; r++) {
        for (const mode of modes) {
          if (trace) console.error(`${size}, maxContextTokens ${mode}, session ${r + 1}`);
          byMode.get(mode)!.push(...(await session(client, ws, mode, { trace, autoClose })));
        }
      }
      for (const [mode, samples] of byMode) {
        const perSession = samples.length / repeats;
        const changes = samples.filter((s) => s.changed.length).length;
        const sources = new Map<string, number>();
        for (const s of samples) for (const c of s.changed) sources.set(c.split(' ')[0], (sources.get(c.split(' ')[0]) ?? 0) + 1);
        const bySource = [...sources].map(([k, n]) => `${k} ${n}`).join(', ');
        const big = samples.filter((s) => s.prefilledBeforeCursor > BIG_PREFILL);
        const bigCauses = `${big.length} (snippets ${big.filter((s) => s.changed.length).length}, prefix start ${big.filter((s) => s.prefixMoved).length})`;
        rows.push(
          `| ${size} | ${mode} | ${repeats} x ${perSession} | ${median(samples.map((s) => s.ms)).toFixed(0)} ms | ${quantile(samples.map((s) => s.ms), 0.9).toFixed(0)} ms | ${median(samples.map((s) => s.contextMs)).toFixed(1)} ms | ${median(samples.map((s) => s.promptTokens))} (${median(samples.map((s) => s.snippetTokens))} snippets) | ${median(samples.map((s) => s.reusedTokens))} / ${median(samples.map((s) => s.promptTokens))} (${(100 * median(samples.map((s) => s.reusedTokens / s.promptTokens))).toFixed(0)}%) | ${median(samples.map((s) => s.promptTokens - s.reusedTokens))} / ${median(samples.map((s) => s.prefilledBeforeCursor))} | ${bigCauses} | ${mode ? `${changes}${bySource ? ` (new snippets: ${bySource})` : ''}; a source over its time budget in ${samples.filter((s) => s.late.length).length}` : '-'} | ${median(samples.map((s) => s.newTokens))} |`,
        );
      }
    }
  } finally {
    await client.dispose();
  }
  const rel = path.relative(path.join(ROOT, 'node_modules'), path.join(ws.root, ws.file));
  console.log(`\nISA: ${isa()}; 2 cores shared with other jobs unless the machine was quiet`);
  if (!pacedOnly) {
    console.log(`\n## Typing session: ${rel} lines ${from}-${to} typed from scratch (open: ${ws.open.join(', ')}; brackets and quotes ${autoClose ? 'auto-closed' : 'typed as is'}), q4, greedy, 16 new tokens, prompt lookup, sessions interleaved\n`);
    console.log('| model | maxContextTokens | requests | latency p50 | p90 | context build p50 | prompt tokens p50 | reused / prompt p50 | prefilled p50: all / before the cursor | requests prefilling > 200 before the cursor (after: snippet change, prefix start moved) | snippet changes | new tokens p50 |');
    console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
    for (const row of rows) console.log(row);
  }
  const paced: string[] = [];
  for (const [size, modelDir] of models) for (const row of await pacedTyping(modelDir, ws)) paced.push(`| ${size} ${row}`);
  console.log(`\n## Paced typing: ${rel} lines ${from}-${to}, each line emptied and ${PACED_KEYS} keys typed ${PACE_MS} ms apart through CompletionService (VS Code's cancel and ${EDITOR_DEBOUNCE_MS} ms re-ask, extension debounce, 16 new tokens, no snippets), in-flight reuse off / on interleaved\n`);
  console.log('| model | typed | in-flight reuse | sessions | model calls | keys answered before the next (all but the last) | answered p50 (key to answer) | last key to answer p50 / p90 | answers from the generation in flight | first session, per key (ms; -: not answered before the next key) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  for (const row of paced) console.log(row);
}

runBench(main);
