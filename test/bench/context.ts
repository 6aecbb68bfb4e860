// `npm run bench:context`: does the context engine put the definition of a symbol from another
// file of the same package into the prompt, and how long does building the context take?
//
// Corpus: sources of multi-file packages installed in node_modules (JavaScript, CommonJS and ESM)
// and, where present, Python's standard library packages, read at bench time (never copied here).
// Case: a line that uses a symbol imported from another file of the package, whose definition in
// that file a regular expression finds (independent of the engine's tree-sitter queries). The
// cursor stands at the start of that line, the line itself removed (it is what the model would
// write). Hit: some context snippet contains the definition's first line.
//
// Editor state simulated: the current file and the 5 files before it in the package's listing are
// open and recently viewed (not chosen for the case); imports are read from disk; the package is
// the workspace folder, indexed before the first case (WORKSPACE=0 leaves the index out).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ContextEngine, type ContextRequest } from '../../src/context/contextEngine';
import { ImportDefinitions } from '../../src/context/importDefinitions';
import type { OpenDocument } from '../../src/context/openDocuments';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { RecentSnippets } from '../../src/context/recentSnippets';
import { WorkspaceIndex } from '../../src/context/workspaceIndex';

const ROOT = path.resolve(__dirname, '../..');
const JS_PACKAGES = ['mocha/lib', 'semver', 'protobufjs/src', 'diff/libesm', 'workerpool/src', 'glob/dist/esm', 'minimatch/dist/esm', 'lru-cache/dist/esm'];
const PY_PACKAGES = ['asyncio', 'email', 'json', 'concurrent/futures', 'importlib', 'xml/etree', 'unittest'];
const MAX_CASES_PER_FILE = 4;
const MAX_CASES_PER_PACKAGE = 40;
const OPEN_FILES = 5;
const MAX_CONTEXT_TOKENS = Number(process.env.CONTEXT_TOKENS ?? 1024);
const WORKSPACE = process.env.WORKSPACE !== '0';

interface Case {
  pkg: string;
  file: string;
  languageId: string;
  line: number;
  symbol: string;
  defFile: string;
  defLine: string;
}

function listFiles(dir: string, exts: string[]): string[] {
  const out: string[] = [];
  const walk = (d: string, depth: number) => {
    if (depth > 4) return;
    for (const entry of fs.readdirSync(d, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(d, entry.name);
      if (entry.isDirectory() && !['node_modules', 'test', 'tests', '__pycache__'].includes(entry.name)) walk(p, depth + 1);
      else if (entry.isFile() && exts.some((e) => entry.name.endsWith(e)) && !entry.name.endsWith('.d.ts') && !entry.name.endsWith('.min.js') && fs.statSync(p).size < 200_000) out.push(p);
    }
  };
  walk(dir, 0);
  return out;
}

function escape(s: string): string {
  return s.replace(/[$]/g, '\\$');
}

/** First line of a top-level definition of `name` in a JS file, by regular expression. */
function jsDefinition(text: string, name: string): string | undefined {
  const n = escape(name);
  const re = new RegExp(`^(?:export\\s+)?(?:default\\s+)?(?:async\\s+)?(?:function\\*?\\s+${n}\\b|class\\s+${n}\\b|(?:const|let|var)\\s+${n}\\s*=)|^\\s*(?:module\\.)?exports\\.${n}\\s*=`, 'm');
  const m = re.exec(text);
  if (!m) return undefined;
  const start = text.lastIndexOf('\n', m.index) + 1;
  return text.slice(start, text.indexOf('\n', m.index) < 0 ? undefined : text.indexOf('\n', m.index)).trim();
}

function pyDefinition(text: string, name: string): string | undefined {
  const m = new RegExp(`^(?:async\\s+def|def|class)\\s+${name}\\b.*$|^${name}\\s*=.*$`, 'm').exec(text);
  return m?.[0].trim();
}

function resolveJs(from: string, spec: string): string | undefined {
  const base = path.resolve(path.dirname(from), spec);
  for (const c of [base, `${base}.js`, `${base}.mjs`, `${base}.cjs`, path.join(base, 'index.js')]) if (fs.existsSync(c) && fs.statSync(c).isFile()) return c;
  return undefined;
}

function resolvePy(from: string, spec: string): string | undefined {
  const dots = /^\.*/.exec(spec)![0].length;
  let dir = path.dirname(from);
  for (let i = 1; i < dots; i++) dir = path.dirname(dir);
  const mod = path.join(dir, ...spec.slice(dots).split('.').filter(Boolean));
  for (const c of [`${mod}.py`, path.join(mod, '__init__.py')]) if (fs.existsSync(c)) return c;
  return undefined;
}

/** Symbols a file imports from files of its own package: local name -> (file, name there), and namespaces. */
function bindings(file: string, text: string, python: boolean): { names: Map<string, { file: string; name: string }>; namespaces: Map<string, string>; lastImportLine: number } {
  const names = new Map<string, { file: string; name: string }>();
  const namespaces = new Map<string, string>();
  let last = 0;
  const lineOf = (i: number) => text.slice(0, i).split('\n').length - 1;
  if (python) {
    for (const m of text.matchAll(/^from\s+(\.[\w.]*)\s+import\s+([\w, ]+)$/gm)) {
      last = Math.max(last, lineOf(m.index!));
      const target = resolvePy(file, m[1]!);
      for (const part of m[2]!.split(',')) {
        const [orig, alias] = part.trim().split(/\s+as\s+/);
        if (!orig) continue;
        if (target) names.set(alias ?? orig, { file: target, name: orig });
        const sub = resolvePy(file, `${m[1]!.endsWith('.') ? m[1] : `${m[1]}.`}${orig}`);
        if (sub) namespaces.set(alias ?? orig, sub);
      }
    }
    return { names, namespaces, lastImportLine: last };
  }
  for (const m of text.matchAll(/import\s+(?:(\w+)\s*,?\s*)?(?:\{([^}]*)\}|\*\s+as\s+(\w+))?\s*from\s*['"](\.[^'"]+)['"]/g)) {
    last = Math.max(last, lineOf(m.index!));
    const target = resolveJs(file, m[4]!);
    if (!target) continue;
    if (m[1]) namespaces.set(m[1], target);
    if (m[3]) namespaces.set(m[3], target);
    for (const part of (m[2] ?? '').split(',')) {
      const [orig, alias] = part.trim().replace(/^type\s+/, '').split(/\s+as\s+/);
      if (orig) names.set(alias ?? orig, { file: target, name: orig });
    }
  }
  for (const m of text.matchAll(/(?:const|let|var)\s+(?:(\w+)|\{([^}]*)\})\s*=\s*require\(\s*['"](\.[^'"]+)['"]\s*\)/g)) {
    last = Math.max(last, lineOf(m.index!));
    const target = resolveJs(file, m[3]!);
    if (!target) continue;
    if (m[1]) {
      names.set(m[1], { file: target, name: m[1] });
      namespaces.set(m[1], target);
    }
    for (const part of (m[2] ?? '').split(',')) {
      const [orig, alias] = part.trim().split(/\s*:\s*/);
      if (orig) names.set(alias ?? orig, { file: target, name: orig });
    }
  }
  return { names, namespaces, lastImportLine: last };
}

function casesOf(pkg: string, file: string, text: string, python: boolean): Case[] {
  const { names, namespaces, lastImportLine } = bindings(file, text, python);
  const lines = text.split('\n');
  const found: Case[] = [];
  const definition = (f: string, name: string) => (python ? pyDefinition : jsDefinition)(fs.readFileSync(f, 'utf8'), name);
  for (let l = lastImportLine + 1; l < lines.length; l++) {
    const line = lines[l]!;
    if (line.trim().startsWith('//') || line.trim().startsWith('#') || line.trim().startsWith('*')) continue;
    let hit: Case | undefined;
    for (const m of line.matchAll(/([A-Za-z_$][\w$]*)(?:\.([A-Za-z_$][\w$]*))?/g)) {
      const [local, member] = [m[1]!, m[2]];
      const named = names.get(local);
      const ns = member ? namespaces.get(local) : undefined;
      for (const [target, symbol] of [[named?.file, named?.name], [ns, member]] as const) {
        if (!target || !symbol || target === file) continue;
        const defLine = definition(target, symbol);
        if (defLine) hit ??= { pkg, file, languageId: python ? 'python' : 'javascript', line: l, symbol: member && ns ? `${local}.${member}` : local, defFile: target, defLine };
      }
      if (hit) break;
    }
    if (hit) found.push(hit);
  }
  // Spread over the file.
  const step = Math.max(1, Math.floor(found.length / MAX_CASES_PER_FILE));
  return found.filter((_, i) => i % step === 0).slice(0, MAX_CASES_PER_FILE);
}

function quantile(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

async function main(): Promise<void> {
  const packages: { name: string; dir: string; python: boolean }[] = [];
  for (const p of JS_PACKAGES) if (fs.existsSync(path.join(ROOT, 'node_modules', p))) packages.push({ name: p, dir: path.join(ROOT, 'node_modules', p), python: false });
  const pyLib = ['/usr/lib/python3.13', '/usr/lib/python3.12', '/usr/lib/python3.11'].find((d) => fs.existsSync(d));
  if (pyLib) for (const p of PY_PACKAGES) if (fs.existsSync(path.join(pyLib, p))) packages.push({ name: `python:${p}`, dir: path.join(pyLib, p), python: true });

  const rows: { pkg: string; cases: number; full: number; defs: number; imports: number; workspace: number; recent: number; nearby: number }[] = [];
  const indexing: string[] = [];
  const cold: number[] = [];
  const warm: number[] = [];
  const dropped = new Map<string, number>();
  let total = 0;
  for (const pkg of packages) {
    const files = listFiles(pkg.dir, pkg.python ? ['.py'] : ['.js', '.mjs', '.cjs']);
    const texts = new Map(files.map((f) => [f, fs.readFileSync(f, 'utf8')]));
    let cases: Case[] = [];
    for (const f of files) cases.push(...casesOf(pkg.name, f, texts.get(f)!, pkg.python));
    const step = Math.max(1, Math.floor(cases.length / MAX_CASES_PER_PACKAGE));
    cases = cases.filter((_, i) => i % step === 0).slice(0, MAX_CASES_PER_PACKAGE);
    if (cases.length === 0) continue;

    const trees = new DocumentTrees();
    const recent = new RecentSnippets();
    const imports = new ImportDefinitions(trees, (p) => fs.promises.readFile(p, 'utf8').catch(() => undefined), [pkg.dir]);
    let documents: OpenDocument[] = [];
    // One engine per package, as in the editor; reuseMs 0 so that the second call is built again, on warm caches.
    const workspace = WORKSPACE ? new WorkspaceIndex({ roots: [pkg.dir] }) : undefined;
    workspace?.start();
    await workspace?.ready;
    if (workspace) indexing.push(`${pkg.name} ${JSON.stringify(workspace.stats())}`);
    const engine = new ContextEngine({ trees, documents: { list: () => documents }, recent, imports, workspace }, {}, { reuseMs: 0 });
    await engine.prepare(pkg.python ? 'python' : 'javascript');
    const row = { pkg: pkg.name, cases: cases.length, full: 0, defs: 0, imports: 0, workspace: 0, recent: 0, nearby: 0 };
    for (const c of cases) {
      const lines = texts.get(c.file)!.split('\n');
      const indent = /^\s*/.exec(lines[c.line]!)![0];
      const before = lines.slice(0, c.line).join('\n');
      const text = `${before}\n${indent}\n${lines.slice(c.line + 1).join('\n')}`;
      const cursorOffset = before.length + 1 + indent.length;
      const uri = pathToFileURL(c.file).href;
      const label = (f: string) => path.relative(pkg.dir, f);
      const index = files.indexOf(c.file);
      const others = files.slice(Math.max(0, index - OPEN_FILES), index);
      documents = [{ uri, path: label(c.file), languageId: c.languageId, text }, ...others.map((f) => ({ uri: pathToFileURL(f).href, path: label(f), languageId: c.languageId, text: texts.get(f)! }))];
      for (const f of [...others].reverse()) recent.touch(pathToFileURL(f).href);
      recent.touch(uri);
      trees.close(uri);
      await trees.open(uri, c.languageId, text);
      const prefixStartLine = Math.max(0, Math.ceil((c.line - 64) / 16) * 16);
      const request: ContextRequest = { uri, path: label(c.file), languageId: c.languageId, text, cursorOffset, prefixStartLine, maxContextTokens: MAX_CONTEXT_TOKENS };
      let started = performance.now();
      await engine.build(request);
      cold.push(performance.now() - started);
      // Warm: the same request again, every cache filled (an editor's state after the first keystrokes).
      started = performance.now();
      const again = await engine.build(request);
      warm.push(performance.now() - started);
      for (const d of again.dropped) dropped.set(`${d.source}: ${d.reason.replace(/[\d.]+ ms/g, 'N ms').replace(/\d+ snippet\(s\), ~\d+ tokens/, 'N snippets')}`, (dropped.get(`${d.source}: ${d.reason.replace(/[\d.]+ ms/g, 'N ms').replace(/\d+ snippet\(s\), ~\d+ tokens/, 'N snippets')}`) ?? 0) + 1);

      const has = (source?: string) => again.snippets.some((s) => (!source || s.source === source) && s.text.split('\n').some((l) => l.trim() === c.defLine));
      if (has()) row.full++;
      else if (process.env.SHOW_MISSES) {
        const near = text.slice(Math.max(0, cursorOffset - 1500), cursorOffset).includes(c.symbol.split('.')[0]!);
        console.log(`MISS ${path.relative(pkg.dir, c.file)}:${c.line + 1} ${c.symbol} -> ${path.relative(pkg.dir, c.defFile)} '${c.defLine}' usedAbove=${near} got=[${again.snippets.map((s) => `${s.source}:${s.path}:${s.range?.startLine}`).join(' ')}] dropped=${again.dropped.map((d) => d.source + ' ' + d.reason).join('; ')}`);
      }
      if (has('definitions')) row.defs++;
      if (has('imports')) row.imports++;
      if (has('workspace')) row.workspace++;
      if (has('recent')) row.recent++;
      // Baseline: nearby lines only (the prefix window from prefixStartLine and 16 lines after the cursor).
      const nearby = lines.slice(prefixStartLine, c.line).concat(lines.slice(c.line + 1, c.line + 17));
      if (nearby.some((l) => l.trim() === c.defLine)) row.nearby++;
    }
    total += cases.length;
    rows.push(row);
    trees.dispose();
    workspace?.dispose();
  }

  const pct = (n: number, d: number) => (d ? (n / d).toFixed(2) : '-');
  console.log(`context benchmark: ${total} cases, maxContextTokens ${MAX_CONTEXT_TOKENS}, ${OPEN_FILES} other files open`);
  console.log('package                     cases  recall  (imports  open-defs  workspace  recent)  nearby-lines baseline');
  const sum = { cases: 0, full: 0, defs: 0, imports: 0, workspace: 0, recent: 0, nearby: 0 };
  const line = (name: string, r: typeof sum) =>
    `${name.padEnd(28)}${String(r.cases).padStart(5)}  ${pct(r.full, r.cases).padStart(6)}  (${pct(r.imports, r.cases).padStart(7)}  ${pct(r.defs, r.cases).padStart(9)}  ${pct(r.workspace, r.cases).padStart(9)}  ${pct(r.recent, r.cases).padStart(6)})  ${pct(r.nearby, r.cases).padStart(6)}`;
  for (const r of rows) {
    console.log(line(r.pkg, r));
    for (const k of Object.keys(sum) as (keyof typeof sum)[]) sum[k] += r[k];
  }
  console.log(line('all', sum));
  console.log(`context build (extension host, ms): cold p50 ${quantile(cold, 0.5).toFixed(2)} p95 ${quantile(cold, 0.95).toFixed(2)}; warm p50 ${quantile(warm, 0.5).toFixed(2)} p95 ${quantile(warm, 0.95).toFixed(2)} max ${quantile(warm, 1).toFixed(2)}`);
  if (indexing.length) console.log(`workspace index (first walk):\n  ${indexing.join('\n  ')}`);
  console.log('dropped (warm):');
  for (const [reason, n] of [...dropped].sort((a, b) => b[1] - a[1])) console.log(`  ${String(n).padStart(4)}  ${reason}`);
}

void main();
