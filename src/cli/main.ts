/**
 * `slm`: the headless command line over the same worker the extension uses.
 *   slm generate --model DIR --prompt-file F [--max-tokens N] [--json] ...
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import type { GenerateRequest } from '../engine/generate';
import type { LoadParams } from '../worker/protocol';
import { WorkerClient } from '../workerClient/workerClient';
import { WorkerError } from '../workerClient/workerError';

const USAGE = `Usage:
  slm generate --model DIR --prompt-file F [options]

Options:
  --max-tokens N        new tokens at most (default 128)
  --json                print one JSON object: text, finish reason, timings, model
  --device D            auto | cpu | gpu | cuda | dml | coreml | webgpu (default auto)
  --precision P         auto | fp32 | fp16 | q8 | q4 | q4f16 (default auto)
  --threads N           intra-op threads (default: physical cores, at most 8)
  --temperature T       0 = greedy (default 0)
  --top-p P, --top-k K, --seed S
  --stop S              stop string (repeatable)
  --time-budget-ms MS   wall-clock budget for the request`;

class UsageError extends Error {}

function number(value: string | undefined, name: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n)) throw new UsageError(`--${name} needs a number, got "${value}"`);
  return n;
}

async function generateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      model: { type: 'string' },
      'prompt-file': { type: 'string' },
      'max-tokens': { type: 'string' },
      json: { type: 'boolean', default: false },
      device: { type: 'string' },
      precision: { type: 'string' },
      threads: { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      'time-budget-ms': { type: 'string' },
    },
  });
  if (!values.model) throw new UsageError('--model DIR is required');
  if (!values['prompt-file']) throw new UsageError('--prompt-file F is required');
  let prompt: string;
  try {
    prompt = fs.readFileSync(values['prompt-file'], 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read the prompt file: ${(err as Error).message}`);
  }
  const load: LoadParams = {
    modelDir: values.model,
    device: values.device as LoadParams['device'],
    precision: values.precision as LoadParams['precision'],
    threads: number(values.threads, 'threads'),
  };
  const request: GenerateRequest = {
    prompt,
    maxNewTokens: number(values['max-tokens'], 'max-tokens') ?? 128,
    stopStrings: values.stop,
    timeBudgetMs: number(values['time-budget-ms'], 'time-budget-ms'),
    sampling: {
      temperature: number(values.temperature, 'temperature'),
      topP: number(values['top-p'], 'top-p'),
      topK: number(values['top-k'], 'top-k'),
      seed: number(values.seed, 'seed'),
    },
  };

  const client = new WorkerClient({
    workerPath: path.join(__dirname, 'worker.js'),
    log: (level, line) => {
      if (level !== 'info' || !values.json) process.stderr.write(`[${level}] ${line}\n`);
    },
  });
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  try {
    const model = await client.load(load);
    const result = await client.generate(request, {
      signal: abort.signal,
      onPartial: values.json ? undefined : (p) => process.stdout.write(p.text),
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({ text: result.text, finishReason: result.finishReason, timings: result.timings, model }, null, 2) + '\n');
    } else {
      const t = result.timings;
      process.stdout.write('\n');
      process.stderr.write(
        `\n${model.name} (${model.precision} on ${model.provider}): ${t.promptTokens} prompt tokens, ${t.newTokens} new (${result.finishReason}); ` +
          `load ${t.loadMs.toFixed(0)} ms, prefill ${t.prefillMs.toFixed(0)} ms (${t.prefillTokensPerSecond.toFixed(1)} tok/s), ` +
          `decode ${t.decodeMs.toFixed(0)} ms (${t.decodeTokensPerSecond.toFixed(1)} tok/s)\n`,
      );
    }
  } finally {
    await client.dispose();
  }
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'generate':
        await generateCommand(rest);
        return 0;
      case undefined:
      case '--help':
      case 'help':
        process.stdout.write(USAGE + '\n');
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      process.stderr.write(`slm: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const code = err instanceof WorkerError ? ` [${err.code}]` : '';
    process.stderr.write(`slm: ${(err as Error).message}${code}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
