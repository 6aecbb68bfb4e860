/**
 * Keystroke latency through an inference server against the local engine, on the same weights in
 * the same run: the generated Qwen2.5-Coder shape as ONNX q4 (MatMulNBits) for our engine and as a
 * GGUF Q4_0 with the very same 4-bit codes for llama.cpp's llama-server (test/support/llamaServer.ts
 * builds it once per machine). A ~1,000-token FIM prompt and 16 new tokens, cold (the cache holds
 * nothing of the prompt) and warm (one character typed since the last request). The server's figure
 * is the whole request as the extension sees it: HTTP, its /infill prompt, streaming.
 *
 *   npx tsx test/bench/serverLatency.ts [--runs N] [--size qwen2.5-coder-0.5b|tiny]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ServerBackend } from '../../src/backend/server/serverBackend';
import type { InfillRequest } from '../../src/backend/inferenceBackend';
import { FimCompleter } from '../../src/worker/fimCompleter';
import { ensureTestModel, QWEN_IDS, type ModelSize } from '../modelgen/testModels';
import { DEFAULT_SEEDS, SHAPES } from '../modelgen/weights';
import { writeGguf } from '../support/gguf';
import { loadEngine } from '../support/loadedEngine';
import { ensureLlamaServer, startLlamaServer } from '../support/llamaServer';
import { waitQuiet } from './quiet';
import { isa } from './isa';
import { runBench } from './runBench';
import { median } from './stats';

const ROOT = path.join(__dirname, '../..');
const arg = (name: string) => (process.argv.includes(name) ? process.argv[process.argv.indexOf(name) + 1] : undefined);
const THREADS = 2;

const LINES = fs.readFileSync(path.join(ROOT, 'node_modules/typescript/lib/typescript.js'), 'utf8').split('\n').slice(20_000, 20_600);
const CURSOR_LINE = 500;
const BUDGET = { maxPromptTokens: 1024, maxSuffixTokens: 128, maxContextTokens: 0 };

function request(typed: string): InfillRequest {
  return {
    input: { prefix: LINES.slice(0, CURSOR_LINE).join('\n') + '\n    const value = ' + typed, prefixStartLine: 0, suffix: '\n' + LINES.slice(CURSOR_LINE, CURSOR_LINE + 40).join('\n'), filePath: 'src/compiler/checker.ts' },
    budget: BUDGET,
    maxNewTokens: 16,
    stopStrings: [],
  };
}

interface Row {
  cold: number[];
  warm: number[];
  reused: number[];
  promptTokens: number[];
  newTokens: number[];
}
const row = (): Row => ({ cold: [], warm: [], reused: [], promptTokens: [], newTokens: [] });

async function main(): Promise<void> {
  const runs = Number(arg('--runs')) || 5;
  const size = (arg('--size') ?? 'qwen2.5-coder-0.5b') as ModelSize;
  const modelDir = await ensureTestModel({ size, style: 'gqa', precision: 'q4' });
  const gguf = path.join(ROOT, '.cache', 'bench', 'gguf', `${size}-s${DEFAULT_SEEDS[size]}-Q4_0-v1.gguf`);
  if (!fs.existsSync(gguf)) writeGguf({ shape: SHAPES[size], seed: DEFAULT_SEEDS[size], type: 'Q4_0', tokenizerFile: path.join(modelDir, 'tokenizer.json'), eosId: QWEN_IDS.endOfText, out: gguf, name: `${size} (random weights)` });

  // -b 2048: llama-server cuts the prefix to 3/4 of its batch, from a start that then moves with
  // every keystroke (with -b 512 a warm request reused 8 of 512 tokens); -c 8192 leaves input_extra room.
  const server = await startLlamaServer(await ensureLlamaServer(), gguf, ['-c', '8192', '-np', '1', '-b', '2048', '-t', String(THREADS)]);
  const backend = new ServerBackend({ settings: () => ({ url: server.url, protocol: 'llama.cpp', model: '', fimTemplate: 'auto', allowInsecureHttp: false, fallbackToLocal: false }), apiKey: async () => undefined, log: () => {} });
  const model = await loadEngine({ modelDir, device: 'cpu', precision: 'q4', threads: THREADS, cacheDir: path.join(ROOT, '.cache/engine') });
  const completer = new FimCompleter(model.engine, model.engine.role('completion')!);
  const rows = { local: row(), server: row() };
  const local = async (typed: string) => {
    const r = await completer.complete(request(typed), () => undefined, new AbortController().signal);
    return { ms: r.timings.totalMs + r.prompt.buildMs, reused: r.timings.reusedTokens, prompt: r.timings.promptTokens, fresh: r.timings.newTokens };
  };
  const viaServer = async (typed: string) => {
    const r = await backend.infill(request(typed));
    return { ms: r.figures.totalMs, reused: r.figures.reusedPromptTokens, prompt: r.figures.promptTokens, fresh: r.figures.newTokens };
  };
  const engines: [keyof typeof rows, (typed: string) => Promise<{ ms: number; reused: number; prompt: number; fresh: number }>, () => Promise<unknown>][] = [
    // Cold: a prompt that shares nothing with the next one takes the cache first.
    ['local', local, () => model.generate({ promptIds: [0], maxNewTokens: 1 })],
    ['server', viaServer, () => backend.generate('0', { maxNewTokens: 1 })],
  ];
  try {
    for (const [, complete] of engines) await complete('warmup');
    for (let i = 0; i < runs; i++) {
      await waitQuiet(30_000, 0.15, (s) => console.error(`[bench] ${s}`));
      for (const [name, complete, flush] of engines) {
        await flush();
        const cold = await complete(`a${i}`);
        const warm = await complete(`a${i}b`);
        const r = rows[name];
        r.cold.push(cold.ms);
        r.warm.push(warm.ms);
        r.reused.push(warm.reused);
        r.promptTokens.push(cold.prompt);
        r.newTokens.push(warm.fresh);
      }
    }
  } finally {
    await backend.dispose();
    await model.dispose();
    await server.stop();
  }
  const l = rows.local;
  const s = rows.server;
  console.log(`\n## Keystroke latency: llama-server (/infill over HTTP) vs the local engine, same weights (${size}, q4 / Q4_0), ${THREADS} threads each`);
  console.log(`CPU: ${isa()}; medians of ${runs} interleaved runs; other engineers may load the machine now and then (waits for a quiet machine before each run)\n`);
  console.log('| engine | prompt tokens | cold ms | warm ms (1 char typed) | reused when warm | new tokens (warm) |');
  console.log('| --- | --- | --- | --- | --- | --- |');
  for (const [name, r] of Object.entries(rows)) console.log(`| ${name} | ${median(r.promptTokens)} | ${median(r.cold).toFixed(0)} | ${median(r.warm).toFixed(0)} | ${median(r.reused)} | ${median(r.newTokens)} |`);
  console.log(`\nserver / local: cold ${(median(s.cold) / median(l.cold)).toFixed(2)}x, warm ${(median(s.warm) / median(l.warm)).toFixed(2)}x`);
}

runBench(main);
