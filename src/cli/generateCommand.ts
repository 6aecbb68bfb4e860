import { parseArgs } from 'node:util';
import type { GenerateRequest } from '../worker/protocol';
import { loadParams, MODEL_OPTIONS, numberArg, readTextFile, required, startWorker } from './args';
import { SERVER_OPTIONS, serverFromArgs, serverTimings } from './serverOptions';

/** `slm generate`: plain generation from a prompt file. */
export async function generateCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      ...MODEL_OPTIONS,
      ...SERVER_OPTIONS,
      'prompt-file': { type: 'string' },
      'max-tokens': { type: 'string' },
      temperature: { type: 'string' },
      'top-p': { type: 'string' },
      'top-k': { type: 'string' },
      seed: { type: 'string' },
      stop: { type: 'string', multiple: true },
      'time-budget-ms': { type: 'string' },
    },
  });
  const server = serverFromArgs(values, values.json);
  const load = server ? undefined : loadParams(values);
  const prompt = readTextFile(required(values['prompt-file'], 'prompt-file'));
  const request: GenerateRequest = {
    prompt,
    maxNewTokens: numberArg(values['max-tokens'], 'max-tokens') ?? 128,
    stopStrings: values.stop,
    timeBudgetMs: numberArg(values['time-budget-ms'], 'time-budget-ms'),
    sampling: {
      temperature: numberArg(values.temperature, 'temperature'),
      topP: numberArg(values['top-p'], 'top-p'),
      topK: numberArg(values['top-k'], 'top-k'),
      seed: numberArg(values.seed, 'seed'),
    },
  };

  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  if (server) {
    try {
      const connection = await server.connected();
      const result = await server.generate(prompt, { ...request, stopStrings: request.stopStrings && [...request.stopStrings] }, { signal: abort.signal, onText: values.json ? undefined : (d) => process.stdout.write(d) });
      const timings = serverTimings(result.figures);
      const model = { name: connection.modelName, protocol: connection.adapter.protocol, url: connection.endpoint.base };
      if (values.json) {
        process.stdout.write(JSON.stringify({ text: result.text, finishReason: result.finishReason, timings, model, protocol: model.protocol }, null, 2) + '\n');
        return;
      }
      process.stdout.write('\n');
      process.stderr.write(`\n${model.name} (${model.protocol} server): ${timings.promptTokens} prompt tokens, ${timings.newTokens} new (${result.finishReason}); prefill ${timings.prefillMs.toFixed(0)} ms, decode ${timings.decodeMs.toFixed(0)} ms (${timings.decodeTokensPerSecond.toFixed(1)} tok/s)\n`);
    } finally {
      await server.dispose();
    }
    return;
  }
  const client = startWorker(values.json);
  try {
    const model = await client.load(load!);
    const result = await client.generate(request, {
      signal: abort.signal,
      onPartial: values.json ? undefined : (p) => process.stdout.write(p.text),
    });
    if (values.json) {
      process.stdout.write(JSON.stringify({ text: result.text, finishReason: result.finishReason, timings: result.timings, model }, null, 2) + '\n');
      return;
    }
    const t = result.timings;
    process.stdout.write('\n');
    process.stderr.write(
      `\n${model.name} (${model.precision} on ${model.provider}): ${t.promptTokens} prompt tokens, ${t.newTokens} new (${result.finishReason}); ` +
        `load ${t.loadMs.toFixed(0)} ms, prefill ${t.prefillMs.toFixed(0)} ms (${t.prefillTokensPerSecond.toFixed(1)} tok/s), ` +
        `decode ${t.decodeMs.toFixed(0)} ms (${t.decodeTokensPerSecond.toFixed(1)} tok/s)\n`,
    );
  } finally {
    await client.dispose();
  }
}
