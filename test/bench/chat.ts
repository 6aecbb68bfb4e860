/**
 * Explain and Refactor speed (issue "Explain and refactor"), on the Qwen2.5-Coder-0.5B shape, q4:
 *
 * 1. Explain: time to first token of an explanation whose prompt carries ~1,000 tokens of
 *    workspace context, against one prefill of that same prompt (target at most 1.5x).
 * 2. Refactor on real code from installed packages, with the selection itself as the oracle
 *    output (a refactor mostly copies its input): the model runs exactly the passes it would run
 *    if its greedy answer were the selection, plain (one token per pass) and with prompt lookup
 *    (drafts from the prompt, verified in one pass, the KV cache rolled back past the first
 *    wrong one). Random weights cannot write the selection themselves; the passes and their
 *    cost are real. Target: at least 2x tokens/s.
 * Completion latency while an explanation streams: test/bench/priority.ts.
 *
 *   npx tsx test/bench/chat.ts [--size qwen2.5-coder-0.5b|tiny] [--runs N]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { explainPrompt, refactorPrompt, type PromptContext } from '../../src/chat/chatPrompts';
import type { CodeTarget } from '../../src/chat/codeTarget';
import { dedent } from '../../src/chat/dedent';
import { openModelFolder } from '../../src/modelFormat/modelFolder';
import { openDecoder } from '../../src/engine/openDecoder';
import { PromptLookup } from '../../src/engine/speculation';
import { argmax } from '../../src/engine/sampler';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { readChatTemplate, renderChat } from '../../src/prompt/chatPrompt';
import { ChatCompleter } from '../../src/worker/chatCompleter';
import { ensureTestModel, type ModelSize } from '../modelgen/testModels';
import { loadEngine } from '../support/loadedEngine';
import { isa } from './isa';
import { runBench } from './runBench';
import { median } from './stats';

const ROOT = path.join(__dirname, '../..');
const CACHE = path.join(ROOT, '.cache/engine');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const source = (file: string) => fs.readFileSync(path.join(ROOT, 'node_modules', file), 'utf8').split('\n');

/** Functions of installed packages, as selections: [package file, first line, last line] (1-based). */
const SELECTIONS: { file: string; from: number; lines: number; languageId: string }[] = [
  { file: 'typescript/lib/typescript.js', from: 20_100, lines: 40, languageId: 'javascript' },
  { file: 'lru-cache/dist/commonjs/index.js', from: 400, lines: 40, languageId: 'javascript' },
  { file: 'diff/libcjs/diff/base.js', from: 20, lines: 40, languageId: 'javascript' },
  { file: 'markdown-it/dist/markdown-it.cjs.js', from: 3000, lines: 40, languageId: 'javascript' },
];

function targetOf(lines: string[], from: number, count: number, file: string, languageId: string): CodeTarget {
  return { path: file, languageId, startLine: from - 1, endLine: from + count - 2, text: lines.slice(from - 1, from - 1 + count).join('\n'), eol: '\n', kind: 'selection' };
}

async function explainTtft(modelDir: string, runs: number): Promise<string> {
  const loaded = await loadEngine({ role: 'chat', modelDir, device: 'cpu', precision: 'q4', cacheDir: CACHE });
  const chat = new ChatCompleter(loaded.engine, loaded.engine.role('chat')!);
  const lines = source('typescript/lib/typescript.js');
  const target = targetOf(lines, 20_100, 30, 'src/compiler/checker.ts', 'typescript');
  // ~1,000 tokens of context: the definitions the prompt would carry (code of the same file).
  const context: PromptContext = { snippets: [0, 1, 2, 3].map((i) => ({ path: 'src/compiler/utilities.ts', text: lines.slice(21_000 + i * 25, 21_000 + i * 25 + 24).join('\n') })), diagnostics: [] };
  const { messages } = explainPrompt(target, dedent(target.text, 4), context);
  const ttft: number[] = [];
  const prefill: number[] = [];
  let promptTokens = 0;
  const reset = () => loaded.engine.generate('chat', { promptIds: [0], maxNewTokens: 1 });
  await chat.chat({ messages, maxNewTokens: 2 }, () => undefined, new AbortController().signal);
  for (let i = 0; i < runs; i++) {
    await reset();
    const answer = await chat.chat({ messages, maxNewTokens: 4 }, () => undefined, new AbortController().signal);
    ttft.push(answer.timings.firstTokenMs! + answer.prompt.buildMs);
    promptTokens = answer.prompt.tokens;
    const ids = loaded.tokenizer.encode(chat.prompt({ messages }).text);
    // One prefill of the same prompt, on the completion role's 512-token runs (the chat role uses 64).
    const completion = await loadEngine({ role: 'completion', modelDir, device: 'cpu', precision: 'q4', cacheDir: CACHE });
    prefill.push((await completion.generate({ promptIds: ids, maxNewTokens: 1, reuseCache: false })).timings.prefillMs);
    await completion.dispose();
  }
  await loaded.dispose();
  const [t, p] = [median(ttft), median(prefill)];
  return `| explain, ${promptTokens}-token prompt | time to first token ${t.toFixed(0)} ms | one prefill of the prompt ${p.toFixed(0)} ms | **${(t / p).toFixed(2)}x** (target 1.5x) |`;
}

async function refactorSpeed(modelDir: string): Promise<string[]> {
  const folder = openModelFolder(modelDir);
  const { decoder } = await openDecoder(folder, { device: 'cpu', precision: 'q4', cacheDir: CACHE }, 'model');
  const tokenizer = TextTokenizer.load(folder.tokenizerFile, folder.tokenizerConfigFile);
  const template = readChatTemplate(folder.tokenizerConfigFile)!;
  const rows: string[] = [];
  const lookup = new PromptLookup();
  for (const sel of SELECTIONS) {
    const target = targetOf(source(sel.file), sel.from, sel.lines, sel.file, sel.languageId);
    const code = dedent(target.text, 4);
    const prompt = refactorPrompt(target, code, 'Make the code idiomatic.', { snippets: [], diagnostics: [] });
    const promptIds = [
      ...renderChat(template, prompt.messages).flatMap((p) => (p.kind === 'template' ? tokenizer.encode(p.text) : tokenizer.encodePlain(p.text))),
      ...tokenizer.encodePlain(prompt.prefill!),
    ];
    const oracle = tokenizer.encodePlain(`${code}\n\`\`\``);
    const prefilled = async () => {
      const cache = decoder.newCache();
      for (let at = 0; at < promptIds.length; at += 512) await decoder.forward(cache, promptIds.slice(at, at + 512), 1);
      return cache;
    };
    // Plain: one pass per token.
    let cache = await prefilled();
    let started = performance.now();
    for (const id of oracle) argmax(await decoder.forward(cache, [id], 1));
    const plainMs = performance.now() - started;
    // Prompt lookup: each pass runs the next token and up to 8 drafts; the cache keeps the accepted ones.
    cache = await prefilled();
    started = performance.now();
    let done = 0;
    let passes = 0;
    let accepted = 0;
    while (done < oracle.length) {
      const history = [...promptIds, ...oracle.slice(0, done + 1)];
      const drafts = await lookup.propose(history, Math.min(8, oracle.length - done - 1));
      const logits = await decoder.forward(cache, [oracle[done], ...drafts], drafts.length + 1);
      argmax(logits, 0, decoder.vocab);
      let ok = 0;
      while (ok < drafts.length && drafts[ok] === oracle[done + 1 + ok]) ok++;
      cache.truncate(cache.length - (drafts.length - ok));
      accepted += ok;
      done += 1 + ok;
      passes++;
    }
    const lookupMs = performance.now() - started;
    const plainTps = (oracle.length / plainMs) * 1000;
    const lookupTps = (oracle.length / lookupMs) * 1000;
    rows.push(`| ${sel.file}:${sel.from} (${sel.lines} lines) | ${promptIds.length} | ${oracle.length} | ${plainTps.toFixed(1)} | ${lookupTps.toFixed(1)} | ${passes} (${accepted} drafts accepted) | **${(lookupTps / plainTps).toFixed(2)}x** |`);
  }
  await decoder.dispose();
  return rows;
}

async function main(): Promise<void> {
  const size = (arg('--size') ?? 'qwen2.5-coder-0.5b') as ModelSize;
  const runs = Number(arg('--runs')) || 3;
  const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  console.log(`\n## Explain and Refactor speed (${size} shape, q4, ${os.cpus().length} CPUs: ${isa()}, medians of ${runs} runs)\n`);
  console.log('| request | measured | baseline | ratio |');
  console.log('| --- | --- | --- | --- |');
  console.log(await explainTtft(modelDir, runs));
  console.log('\nRefactor, the selection as the oracle answer (the model runs the passes that answer takes):\n');
  console.log('| selection | prompt tokens | answer tokens | plain tok/s | prompt lookup tok/s | passes | speedup (target 2x) |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  for (const row of await refactorSpeed(modelDir)) console.log(row);
}

runBench(main);
