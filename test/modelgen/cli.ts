/**
 * Writes generated test model folders.
 *
 *   npx tsx test/modelgen/cli.ts --out DIR [--sizes tiny,tiny-draft] [--styles standard,gqa]
 *       [--precisions fp32,q4,q4-acc0] [--families deepseek-coder,...|none] [--seed N] [--perturbation X]
 *   npm run test-models -- --out DIR
 *
 * Default: every style x precision of Qwen2.5-Coder for tiny and tiny-draft (the big shapes only
 * when named), and every variant of every family of families.ts (`--families none`: no family).
 * Each goes to DIR/<size or family>-<style>-<precision>[-merged]-s<seed>[-p<x>] (written to a temp
 * folder, then renamed; an up-to-date folder is kept). Folder paths are printed on stdout, one a line;
 * timings and sizes go to stderr.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FAMILIES, FAMILY_IDS, type FamilyId } from './families';
import {
  ALL_PRECISIONS, ALL_SIZES, ALL_STYLES, GraphStyle, ModelSize, Precision, TestModelSpec, isComplete,
  readableKey, writeTestModelFolder,
} from './testModels';

function usage(msg?: string): never {
  if (msg) process.stderr.write(`error: ${msg}\n`);
  process.stderr.write(
    'usage: tsx test/modelgen/cli.ts --out DIR [--sizes a,b] [--styles standard,gqa] [--precisions fp32,q4,q4-acc0] [--families a,b|none] [--seed N] [--perturbation X]\n' +
      `  sizes: ${ALL_SIZES.join(', ')}\n  families: ${FAMILY_IDS.join(', ')}\n`,
  );
  process.exit(msg ? 2 : 0);
}

function list<T extends string>(v: string, allowed: readonly T[], what: string): T[] {
  const items = v.split(',').map((s) => s.trim()).filter(Boolean);
  for (const i of items) if (!allowed.includes(i as T)) usage(`unknown ${what} '${i}' (allowed: ${allowed.join(', ')})`);
  return items as T[];
}

function dirSize(dir: string): number {
  let n = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    n += e.isDirectory() ? dirSize(p) : fs.statSync(p).size;
  }
  return n;
}

function main(argv: string[]): void {
  let out: string | undefined;
  let sizes: ModelSize[] = ['tiny', 'tiny-draft'];
  let styles: GraphStyle[] = [...ALL_STYLES];
  let precisions: Precision[] = [...ALL_PRECISIONS];
  let families: FamilyId[] = [...FAMILY_IDS];
  let seed: number | undefined;
  let perturbation: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = (): string => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    switch (a) {
      case '--out': out = val(); break;
      case '--sizes': sizes = list(val(), ALL_SIZES, 'size'); break;
      case '--styles': styles = list(val(), ALL_STYLES, 'style'); break;
      case '--precisions': precisions = list(val(), ALL_PRECISIONS, 'precision'); break;
      case '--families': { const v = val(); families = v === 'none' ? [] : list(v, FAMILY_IDS, 'family'); break; }
      case '--seed': seed = Number(val()); if (!Number.isInteger(seed)) usage('--seed must be an integer'); break;
      case '--perturbation': perturbation = Number(val()); if (!(perturbation >= 0)) usage('--perturbation must be >= 0'); break;
      case '-h': case '--help': usage(); break;
      default: usage(`unknown argument ${a}`);
    }
  }
  if (!out) usage('--out is required');
  const specs: TestModelSpec[] = [];
  for (const size of sizes) for (const style of styles) for (const precision of precisions) specs.push({ size, style, precision, seed, perturbation });
  for (const family of families) for (const v of FAMILIES[family].variants) specs.push({ family, ...v, seed, perturbation });
  for (const spec of specs) {
    const dest = path.resolve(out, readableKey(spec));
    const cached = isComplete(dest, spec);
    const t0 = Date.now();
    writeTestModelFolder(spec, dest);
    const mb = (dirSize(dest) / 1e6).toFixed(1);
    process.stderr.write(`${readableKey(spec)}: ${cached ? 'up to date' : `${Date.now() - t0} ms`}, ${mb} MB\n`);
    process.stdout.write(`${dest}\n`);
  }
}

main(process.argv.slice(2));
