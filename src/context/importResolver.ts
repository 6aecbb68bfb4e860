import * as fs from 'node:fs';
import * as path from 'node:path';
import { LRUCache } from 'lru-cache';
import type { GrammarId } from '../languages/grammars';

/** What resolution needs of the file system: a file's text, or undefined if it is not a readable file. */
export type ReadFile = (fsPath: string) => Promise<string | undefined>;

/** A file an import may refer to; `symbolIsModule`: the imported name is the module itself (its members are looked up). */
export interface ImportTarget {
  file: string;
  symbolIsModule: boolean;
}

const JS_EXTENSIONS = ['.ts', '.tsx', '.d.ts', '.js', '.jsx', '.mjs', '.cjs'];
/** Project files (tsconfig.json, go.mod) are read again at most this often: they rarely change while one types. */
const CONFIG_TTL_MS = 5_000;
/** Folders looked at above a file for a project file or a source root. */
const MAX_LEVELS = 12;

interface PathsConfig {
  /** `compilerOptions.baseUrl`, absolute. */
  baseUrl?: string;
  /** `compilerOptions.paths`, and the folder its targets are relative to. */
  paths?: { patterns: Record<string, string[]>; base: string };
}

/** The files that define a name, from the workspace index (C# namespaces name no files). */
export type FindDefinitions = (name: string) => readonly string[];

/**
 * Files an import statement may refer to: JS/TS relative paths and tsconfig/jsconfig `paths` and
 * `baseUrl`; Python modules; Go packages of the current module (go.mod's `module` path -> folder:
 * all its .go files); Java classes under a source root (any folder above the file); C/C++
 * includes; Rust modules (`mod`, and `use` paths from `crate`, `self` and `super`); C# namespaces
 * (files of the workspace that define a used name in the namespace). Candidates need not exist:
 * the caller reads them and remembers misses.
 */
export class ImportResolver {
  /** Project files read and folders looked at, each for CONFIG_TTL_MS. */
  private readonly cached = new LRUCache<string, Promise<unknown>>({ max: 1_000, ttl: CONFIG_TTL_MS });

  constructor(
    private readonly readFile: ReadFile,
    /** Workspace folders: lookups upwards stop at them. */
    private readonly roots: string[],
    private readonly findDefinitions: FindDefinitions = () => [],
  ) {}

  /** `module`: the statement binds the module itself (`import a.b`, `from a import *`), not a name in it. */
  async resolve(grammar: GrammarId, from: string, source: string, name: string, module = false): Promise<ImportTarget[]> {
    if (grammar === 'python') return this.resolvePython(from, source, name, module);
    if (grammar === 'go') return this.resolveGo(from, source);
    if (grammar === 'java') return this.resolveJava(from, source);
    if (grammar === 'rust') return this.resolveRust(from, source, name, module);
    if (grammar === 'csharp') return this.resolveCsharpType(source);
    if (grammar === 'c' || grammar === 'cpp') return [];
    return (await this.resolveJs(from, source)).map((file) => ({ file, symbolIsModule: false }));
  }

  /**
   * Files of a statement that binds no names of its own but all a module's (`from a import *`,
   * `#include "a.h"`, `use a::*`, C#'s `using A.B;`, Java's `import a.b.*;`), where `names` (those
   * used near the cursor) may be defined. Java's `a.b` and C#'s `A.B` name a package (namespace)
   * or, static, a class whose members are imported: both are looked for, since neither language
   * lets a package and a class share a full name (JLS 7.1, C# CS0101).
   */
  async resolveWildcard(grammar: GrammarId, from: string, source: string, names: string[]): Promise<ImportTarget[]> {
    if (grammar === 'python') return this.resolvePython(from, source, '', true);
    if (grammar === 'rust') return this.resolveRust(from, source, '', true);
    if (grammar === 'c' || grammar === 'cpp') return this.resolveInclude(from, source);
    if (grammar === 'csharp') return [...(await this.resolveNamespace(source, names)), ...(await this.resolveCsharpType(source))];
    if (grammar === 'java') return [...this.resolveJava(from, source), ...(await this.resolveJavaPackage(from, source, names))];
    return [];
  }

  /** `#include "a/b.h"` beside the file, then under each workspace folder and its include/; `<a/b.h>` under those folders only. */
  private resolveInclude(from: string, source: string): ImportTarget[] {
    const quoted = source.startsWith('"');
    if (!quoted && !source.startsWith('<')) return [];
    const include = source.slice(1, -1);
    const dirs = [...(quoted ? [path.dirname(from)] : []), ...this.roots.flatMap((root) => [root, path.join(root, 'include')])];
    return [...new Set(dirs.map((dir) => path.resolve(dir, include)))].map((file) => ({ file, symbolIsModule: false }));
  }

  /**
   * `mod foo;` -> foo.rs or foo/mod.rs among the declaring module's children; `use crate::a::b::Name`
   * (or `self::`, `super::`) -> Name in a/b.rs or a/b/mod.rs, or the module a/b/Name.rs, from the
   * crate's src/ (beside the nearest Cargo.toml) or the current module. Other crates are not read.
   */
  private async resolveRust(from: string, source: string, name: string, module: boolean): Promise<ImportTarget[]> {
    const declared = /^(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;$/.exec(source.trim());
    if (declared) return rustModuleFiles(rustChildrenDir(from), [declared[1]!]).map((file) => ({ file, symbolIsModule: true }));
    // `a::b::{C, D}`, `a::b::*` and `a::b::C as E` name items of a::b.
    const segments = source.replace(/\s+as\s+\w+$/, '').replace(/::\s*(\{[\s\S]*\}|\*)$/, '').split('::').map((s) => s.trim());
    if (!module && segments[segments.length - 1] === name) segments.pop();
    const head = segments.shift();
    let dir: string | undefined;
    if (head === 'crate') dir = await this.nearest(from, ['Cargo.toml'], async (file) => ((await this.readFile(file)) === undefined ? undefined : path.join(path.dirname(file), 'src')));
    else if (head === 'self') dir = rustChildrenDir(from);
    else if (head === 'super') {
      dir = path.dirname(rustChildrenDir(from));
      for (; segments[0] === 'super'; segments.shift()) dir = path.dirname(dir);
    }
    if (!dir) return [];
    const out = rustModuleFiles(dir, segments).map((file) => ({ file, symbolIsModule: module }));
    if (!module) out.push(...rustModuleFiles(dir, [...segments, name]).map((file) => ({ file, symbolIsModule: true })));
    return out;
  }

  /** C# `A.B.C` as the type C of namespace A.B (`using X = A.B.C;`, `using static A.B.C;`). */
  private resolveCsharpType(source: string): Promise<ImportTarget[]> {
    const dot = source.lastIndexOf('.');
    return dot < 0 ? Promise.resolve([]) : this.resolveNamespace(source.slice(0, dot), [source.slice(dot + 1)]);
  }

  /** C# `using A.B;`: files of the workspace that define one of `names` and declare `namespace A.B`. */
  private async resolveNamespace(namespace: string, names: string[]): Promise<ImportTarget[]> {
    const files = [...new Set(names.flatMap((name) => this.findDefinitions(name)))].filter((f) => f.endsWith('.cs'));
    const declares = await Promise.all(files.map((file) => this.cache(`namespaces:${file}`, async () => new Set([...((await this.readFile(file)) ?? '').matchAll(/\bnamespace\s+([\w.]+)/g)].map((m) => m[1]!)))));
    return files.filter((_, i) => declares[i]!.has(namespace)).map((file) => ({ file, symbolIsModule: false }));
  }

  private async resolveJs(from: string, source: string): Promise<string[]> {
    if (source.startsWith('.')) return jsCandidates(path.resolve(path.dirname(from), source));
    const config = await this.nearest(from, ['tsconfig.json', 'jsconfig.json'], (file) => this.pathsConfig(file, 0));
    if (!config) return [];
    const out: string[] = [];
    // The longest matching prefix first, as TypeScript tries them.
    const patterns = Object.entries(config.paths?.patterns ?? {}).sort((a, b) => b[0].indexOf('*') - a[0].indexOf('*'));
    for (const [pattern, targets] of patterns) {
      const star = pattern.indexOf('*');
      const [prefix, suffix] = star < 0 ? [pattern, ''] : [pattern.slice(0, star), pattern.slice(star + 1)];
      const matches = star < 0 ? source === pattern : source.startsWith(prefix) && source.endsWith(suffix) && source.length >= prefix.length + suffix.length;
      if (!matches) continue;
      const wildcard = star < 0 ? '' : source.slice(prefix.length, source.length - suffix.length);
      for (const target of targets) out.push(...jsCandidates(path.resolve(config.paths!.base, target.replace('*', wildcard))));
    }
    if (config.baseUrl) out.push(...jsCandidates(path.resolve(config.baseUrl, source)));
    return [...new Set(out)];
  }

  /**
   * `from .a.b import name` (name may be a function in a/b.py or the submodule a/b/name.py),
   * `import a.b` / `from a.b import *` (the module a/b.py), and absolute ones from the folders above
   * that are not packages: inside a package, `import x` names a top-level module, never a sibling x.py.
   */
  private async resolvePython(from: string, source: string, name: string, module: boolean): Promise<ImportTarget[]> {
    const dots = /^\.*/.exec(source)![0].length;
    const parts = source.slice(dots).split('.').filter(Boolean);
    const bases: string[] = [];
    if (dots > 0) {
      let dir = path.dirname(from);
      for (let i = 1; i < dots; i++) dir = path.dirname(dir);
      bases.push(dir);
    } else {
      for (const dir of this.foldersAbove(from)) if (!(await this.cache(`package:${dir}`, async () => (await this.readFile(path.join(dir, '__init__.py'))) !== undefined))) bases.push(dir);
    }
    const out: ImportTarget[] = [];
    for (const base of bases) {
      const dir = path.join(base, ...parts);
      if (parts.length > 0) out.push({ file: `${dir}.py`, symbolIsModule: module });
      out.push({ file: path.join(dir, '__init__.py'), symbolIsModule: module });
      if (!module) out.push({ file: path.join(dir, `${name}.py`), symbolIsModule: true }, { file: path.join(dir, name, '__init__.py'), symbolIsModule: true });
    }
    return out;
  }

  /** A package of the current module: every non-test .go file of its folder. */
  private async resolveGo(from: string, source: string): Promise<ImportTarget[]> {
    const importPath = source.replace(/^["`]|["`]$/g, '');
    const mod = await this.nearest(from, ['go.mod'], async (file) => {
      const module = /^module\s+("?)(\S+)\1\s*$/m.exec((await this.readFile(file)) ?? '')?.[2];
      return module ? { module, dir: path.dirname(file) } : undefined;
    });
    if (!mod || !(importPath === mod.module || importPath.startsWith(`${mod.module}/`))) return [];
    const dir = path.join(mod.dir, ...importPath.slice(mod.module.length).split('/').filter(Boolean));
    const files = [...(await this.listFolder(dir))];
    return files.filter((f) => f.endsWith('.go') && !f.endsWith('_test.go')).map((f) => ({ file: path.join(dir, f), symbolIsModule: true }));
  }

  /** `a.b.C` as a/b/C.java under any folder above the file; `a.b.C.m` (static) also as C.java's member. */
  private resolveJava(from: string, source: string): ImportTarget[] {
    const parts = source.split('.');
    const out: ImportTarget[] = [];
    for (const root of this.foldersAbove(from)) {
      out.push({ file: `${path.join(root, ...parts)}.java`, symbolIsModule: false });
      if (parts.length > 1) out.push({ file: `${path.join(root, ...parts.slice(0, -1))}.java`, symbolIsModule: false });
    }
    return out;
  }

  /**
   * `import a.b.*;`: the classes among `names` of package a.b, in the nearest folder a/b above the
   * file (one folder listed, as single-class imports look under any folder above it). A public
   * class lives in the file named after it, and only public ones are imported from another package.
   */
  private async resolveJavaPackage(from: string, source: string, names: string[]): Promise<ImportTarget[]> {
    for (const root of this.foldersAbove(from)) {
      const dir = path.join(root, ...source.split('.'));
      const files = await this.listFolder(dir);
      if (files.size > 0) return names.filter((name) => files.has(`${name}.java`)).map((name) => ({ file: path.join(dir, `${name}.java`), symbolIsModule: true }));
    }
    return [];
  }

  /** A folder's entries (none if it is missing), cached like project files. */
  private listFolder(dir: string): Promise<ReadonlySet<string>> {
    return this.cache(`dir:${dir}`, async () => new Set(await fs.promises.readdir(dir).catch(() => [] as string[])));
  }

  /** The file's folder and those above it, up to its workspace folder (or MAX_LEVELS). */
  private foldersAbove(from: string): string[] {
    const out: string[] = [];
    for (let dir = path.dirname(from), i = 0; i < MAX_LEVELS; i++, dir = path.dirname(dir)) {
      out.push(dir);
      if (this.roots.includes(dir) || path.dirname(dir) === dir) break;
    }
    return out;
  }

  /** The first of `names` found in the folders above `from`, read by `load` (undefined if it gives nothing). */
  private async nearest<T>(from: string, names: string[], load: (file: string) => Promise<T | undefined>): Promise<T | undefined> {
    for (const dir of this.foldersAbove(from)) {
      for (const name of names) {
        const file = path.join(dir, name);
        const value = await this.cache(file, () => load(file));
        if (value !== undefined) return value;
      }
    }
    return undefined;
  }

  /** tsconfig's `baseUrl` and `paths`, with those of the configs it `extends` (relative ones; 4 levels at most). */
  private async pathsConfig(file: string, depth: number): Promise<PathsConfig | undefined> {
    const text = await this.readFile(file);
    if (text === undefined) return undefined;
    let json: { extends?: unknown; compilerOptions?: { baseUrl?: unknown; paths?: unknown } };
    try {
      json = JSON.parse(stripJsonComments(text));
    } catch {
      return undefined;
    }
    const dir = path.dirname(file);
    const base = typeof json.extends === 'string' && json.extends.startsWith('.') && depth < 4 ? await this.pathsConfig(path.resolve(dir, json.extends.endsWith('.json') ? json.extends : `${json.extends}.json`), depth + 1) : undefined;
    const options = json.compilerOptions ?? {};
    const baseUrl = typeof options.baseUrl === 'string' ? path.resolve(dir, options.baseUrl) : base?.baseUrl;
    // Targets of `paths` are relative to baseUrl, or to the config that declares them (TypeScript 4.1+).
    const paths = options.paths && typeof options.paths === 'object' ? { patterns: options.paths as Record<string, string[]>, base: baseUrl ?? dir } : base?.paths;
    return { baseUrl, paths };
  }

  private cache<T>(key: string, load: () => Promise<T>): Promise<T> {
    const hit = this.cached.get(key);
    if (hit) return hit as Promise<T>;
    const value = load();
    this.cached.set(key, value);
    return value;
  }
}

/** The folder of a Rust file's child modules: its own folder for lib.rs, main.rs and mod.rs, else a folder named after it. */
function rustChildrenDir(file: string): string {
  const base = path.basename(file);
  return ['lib.rs', 'main.rs', 'mod.rs'].includes(base) ? path.dirname(file) : path.join(path.dirname(file), base.replace(/\.rs$/, ''));
}

/** The files of the module `segments` under `dir`: a/b.rs or a/b/mod.rs; `dir`'s own module (lib.rs, main.rs...) for none. */
function rustModuleFiles(dir: string, segments: string[]): string[] {
  const base = path.join(dir, ...segments);
  return segments.length === 0 ? ['lib.rs', 'main.rs', 'mod.rs'].map((f) => path.join(dir, f)).concat(`${dir}.rs`) : [`${base}.rs`, path.join(base, 'mod.rs')];
}

/** `x` as a file: x itself, x.ts..., x/index.ts...; `./x.js` also as x.ts (TypeScript's ESM imports). */
function jsCandidates(base: string): string[] {
  const stem = base.replace(/\.(js|jsx|mjs|cjs)$/, '');
  return [...new Set([base, ...JS_EXTENSIONS.map((e) => stem + e), ...JS_EXTENSIONS.map((e) => path.join(base, `index${e}`))])];
}

/**
 * JSON with comments (tsconfig.json) as JSON: `//` and `/* *\/` comments and trailing commas
 * removed, strings kept as they are (a `"@app/*"` key holds what looks like a comment's start).
 */
export function stripJsonComments(text: string): string {
  let out = '';
  /** Index in `out` of the last comma outside strings, while only white space followed it. */
  let comma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      let end = i + 1;
      while (end < text.length && text[end] !== '"') end += text[end] === '\\' ? 2 : 1;
      out += text.slice(i, end + 1);
      i = end;
      comma = -1;
    } else if (c === '/' && text[i + 1] === '/') {
      const end = text.indexOf('\n', i);
      i = end < 0 ? text.length : end - 1;
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      i = end < 0 ? text.length : end + 1;
    } else {
      if ((c === '}' || c === ']') && comma >= 0) out = out.slice(0, comma) + out.slice(comma + 1);
      if (c === ',') comma = out.length;
      else if (!/\s/.test(c)) comma = -1;
      out += c;
    }
  }
  return out;
}
