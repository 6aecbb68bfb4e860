import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { HUGGING_FACE } from '../downloads/hub';
import { downloadModel } from '../downloads/huggingFace';
import type { Precision } from '../modelFormat/precision';
import { formatBytes } from '../downloads/download';
import { CATALOG, catalogModel } from '../models/catalog';
import { cpuHardware, precisionFor, probeHardware, recommendChatModel, recommendModel } from '../models/hardware';
import { installedModelDir } from '../models/installedModels';
import { UsageError } from './args';

/** `slm models`: the catalog with each model's roles, and the models suggested for this machine. */
export async function modelsCommand(argv: string[]): Promise<void> {
  const { values } = parseArgs({ args: argv, options: { json: { type: 'boolean', default: false } } });
  const hardware = await probeHardware();
  const suggestion = recommendModel(hardware);
  const chat = recommendChatModel(hardware, suggestion.model);
  if (values.json) {
    const chatSuggestion = { id: chat.model.id, precision: chat.precision, why: chat.why };
    process.stdout.write(JSON.stringify({ hardware, suggestion: { id: suggestion.model.id, precision: suggestion.precision, draft: suggestion.draft?.id, why: suggestion.why }, chatSuggestion, catalog: CATALOG }, null, 2) + '\n');
    return;
  }
  for (const model of CATALOG) {
    const sizes = Object.entries(model.bytes).map(([p, bytes]) => `${p} ${formatBytes(bytes)}`).join(', ');
    const draft = model.draft ? `; draft ${model.draft.id} on a ${model.draft.when}` : '';
    const format = model.format === 'gguf' ? ', GGUF for llama.cpp' : '';
    process.stdout.write(`${model === suggestion.model ? '*' : ' '} ${model.id.padEnd(32)} ${model.roles.join(', ').padEnd(24)} ${model.repo} (${sizes}${format})${draft}\n`);
  }
  process.stdout.write(`\nSuggested for this machine: ${suggestion.model.id} ${suggestion.precision}${suggestion.draft ? ` with ${suggestion.draft.id} as draft` : ''} (${suggestion.why}).\n`);
  if (chat.model !== suggestion.model) process.stdout.write(`For chat (Explain, Refactor): ${chat.model.id} ${chat.precision} (${chat.why}).\n`);
}

/** `slm download ID`: a catalog model from the Hub, verified, into a folder. */
export async function downloadCommand(argv: string[]): Promise<void> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { precision: { type: 'string' }, dest: { type: 'string' }, endpoint: { type: 'string', default: process.env.HF_ENDPOINT || HUGGING_FACE } },
  });
  const model = positionals[0] && catalogModel(positionals[0]);
  if (!model) throw new UsageError(`download needs a model id: ${CATALOG.map((m) => m.id).join(', ')}`);
  // By default the CPU's best published precision: 4-bit, or Q8_0 for the GGUF base 1.5B.
  const precision = (!values.precision || values.precision === 'auto' ? precisionFor(model, cpuHardware()) : values.precision) as Precision;
  if (!model.bytes[precision]) throw new UsageError(`${model.id} comes in ${Object.keys(model.bytes).join(', ')}, not "${precision}"`);
  const dest = values.dest ? path.resolve(values.dest) : installedModelDir(process.cwd(), model, precision);
  const abort = new AbortController();
  process.once('SIGINT', () => abort.abort());
  let shown = 0;
  const result = await downloadModel({ repo: model.repo, format: model.format, precision }, dest, {
    endpoint: values.endpoint,
    signal: abort.signal,
    onProgress: (p) => {
      if (!process.stderr.isTTY || Date.now() - shown < 500) return;
      shown = Date.now();
      process.stderr.write(`\r${formatBytes(p.receivedBytes)} of ${formatBytes(p.totalBytes)}  `);
    },
  });
  process.stdout.write(`${result.reused ? 'already downloaded' : `downloaded ${formatBytes(result.bytes)}`}: ${model.repo} ${precision} at ${result.commit.slice(0, 12)} in ${result.dir}\n`);
}
