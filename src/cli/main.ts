/**
 * `slm`: the headless command line over the same worker and pipeline the extension uses.
 */
import { ServerError } from '../backend/server/serverError';
import { WorkerError } from '../workerClient/workerError';
import { UsageError } from './args';
import { explainCommand, refactorCommand } from './chatCommands';
import { completeCommand, postprocessCommand, promptCommand } from './completeCommand';
import { generateCommand } from './generateCommand';
import { downloadCommand, modelsCommand } from './modelsCommand';

const USAGE = `Usage:
  slm generate    --model DIR --prompt-file F [--max-tokens N] [--json] [sampling and device options]
  slm complete    --model DIR --file PATH --line L --col C [--fim-order psm|spm] [--json]
  slm complete    --server URL [--server-protocol auto|llama.cpp|ollama|openai] [--server-model NAME]
                  --file PATH --line L --col C [--json]
                                              (--server also for explain, refactor and generate, instead of --model)
  slm prompt      --model DIR --file PATH --line L --col C [--fim-order psm|spm] [--json]
  slm postprocess --file PATH --line L --col C --raw-file R [--json]
  slm explain     --model DIR --file PATH --range L1:C1-L2:C2 [--workspace DIR] [--json] [--prompt-only]
  slm refactor    --model DIR --file PATH --range L1:C1-L2:C2 --instruction TEXT [--workspace DIR] [--raw-file R] [--json]
                                              (--raw-file: R is the model's output; no model needed)
  slm models      [--json]                    the model catalog, and the one suggested for this machine
  slm download    ID [--precision P] [--dest DIR] [--endpoint URL]
                                              a catalog model from Hugging Face (resumable, verified)

Lines and columns are 1-based. Options:
  --device D            auto | cpu | gpu | cuda | dml | coreml | webgpu (default auto)
  --precision P         auto | fp32 | fp16 | q8 | q4 | q4f16 (default auto)
  --threads N           intra-op threads (default: physical cores, at most 8)
  --language ID         VS Code language id (default: from the file extension)
  --workspace DIR       workspace root: path labels, import resolution and context (default: the file's folder)
  --server-fim-template T  auto | server | qwen2.5-coder | deepseek-coder | starcoder2 | stable-code | codegemma | codellama
  --allow-insecure-http plain http to a host other than this machine
                        (an API key for --server is read from SLM_SERVER_API_KEY)
  generate only: --max-tokens N (128), --temperature T (0 = greedy), --top-p P, --top-k K,
                 --seed S, --stop S (repeatable), --time-budget-ms MS`;

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  generate: generateCommand,
  explain: explainCommand,
  refactor: refactorCommand,
  complete: completeCommand,
  prompt: promptCommand,
  postprocess: postprocessCommand,
  models: modelsCommand,
  download: downloadCommand,
};

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help') {
    process.stdout.write(USAGE + '\n');
    return command === undefined ? 2 : 0;
  }
  try {
    const run = COMMANDS[command];
    if (!run) throw new UsageError(`unknown command "${command}"`);
    await run(rest);
    return 0;
  } catch (err) {
    if (err instanceof UsageError || (err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      process.stderr.write(`slm: ${(err as Error).message}\n\n${USAGE}\n`);
      return 2;
    }
    const code = err instanceof WorkerError || err instanceof ServerError ? ` [${err.code}]` : '';
    process.stderr.write(`slm: ${(err as Error).message}${code}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then((code) => process.exit(code));
