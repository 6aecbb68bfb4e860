import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ImportDefinitions } from '../../src/context/importDefinitions';
import { DocumentTrees } from '../../src/treeSitter/parser';
import { loadQuery } from '../../src/treeSitter/queries';
import { tempWorkspaces } from '../support/tempWorkspaces';
import { requestFor } from './contextRequest';

const readFile = (file: string) => fs.promises.readFile(file, 'utf8').catch(() => undefined);

const workspaces = tempWorkspaces('slm-imports-');
const workspace = (files: Record<string, string>) => workspaces.create(files);

/** The imports source's snippets for one request: `text` as `file` of `root`, no other open documents. */
async function importSnippets(root: string, file: string, languageId: string, text: string) {
  const trees = new DocumentTrees({ timeoutMs: 5000 });
  try {
    return await new ImportDefinitions(trees, readFile, [root]).snippets(requestFor(root, file, languageId, text), []);
  } finally {
    trees.dispose();
  }
}

describe('context/importDefinitions', () => {
  after(() => {
    workspaces.removeAll();
  });

  before(async () => {
    for (const grammar of ['typescript', 'javascript', 'python', 'go', 'java', 'c', 'cpp', 'rust', 'csharp'] as const) {
      await loadQuery(grammar, 'imports');
      await loadQuery(grammar, 'definitions');
    }
  });

  it('reads the definitions of imported symbols from relative TS/JS imports, those used near the cursor first', async () => {
    const root = workspace({
      'src/geometry.ts': 'export interface Vector { x: number; y: number }\nexport function dot(a: Vector, b: Vector): number {\n  return a.x * b.x + a.y * b.y;\n}\nexport function unused() {}\n',
      'src/util/index.js': 'export function clamp(v, lo, hi) {\n  return Math.min(hi, Math.max(lo, v));\n}\n',
      'src/shapes.ts': 'export const UNIT = 1;\n',
    });
    const text = "import { dot, type Vector, unused } from './geometry.js';\nimport * as util from './util';\nimport { UNIT } from './shapes';\nimport { readFile } from 'node:fs';\n\nconst v: Vector = { x: 1, y: 2 };\nconst d = util.clamp(dot(v, v), 0, UNIT);\n";
    const snippets = await importSnippets(root, 'src/main.ts', 'typescript', text);
    const got = snippets.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0]}`);
    assert.deepEqual(got.slice(0, 4).sort(), [
      'src/geometry.ts:0 export interface Vector { x: number; y: number }',
      'src/geometry.ts:1 export function dot(a: Vector, b: Vector): number {',
      'src/shapes.ts:0 export const UNIT = 1;',
      'src/util/index.js:0 export function clamp(v, lo, hi) {',
    ]);
    // An imported name not used near the cursor comes last: the line being written may use it.
    assert.deepEqual(got.slice(4), ['src/geometry.ts:4 export function unused() {}']);
    assert.ok(snippets[4]!.score < Math.min(...snippets.slice(0, 4).map((s) => s.score)));
    assert.ok(snippets.every((s) => s.source === 'imports'));
  });

  it('resolves Python relative and absolute modules, packages and submodules', async () => {
    const root = workspace({
      'app/models/user.py': 'class User:\n    def __init__(self, name):\n        self.name = name\n',
      'app/sibling.py': 'def parse(path):\n    return path\n',
      'app/__init__.py': '',
      'lib/tools.py': 'def helper(x):\n    return x\n',
    });
    const text = 'from .models.user import User\nfrom . import sibling\nimport lib.tools\n\nu = User(sibling.parse("x"))\nlib.tools.helper(u)\n';
    const snippets = await importSnippets(root, 'app/main.py', 'python', text);
    const got = snippets.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0]}`).sort();
    // `import lib.tools` binds the dotted path: `lib.tools.helper` is tools.py's `helper`.
    assert.deepEqual(got, ['app/models/user.py:0 class User:', 'app/sibling.py:0 def parse(path):', 'lib/tools.py:0 def helper(x):']);
  });

  it('resolves Python `import a.b as m`, `from a import x as y`, and `from a import *` to the names used near the cursor', async () => {
    const root = workspace({
      'pkg/__init__.py': '',
      'pkg/shapes.py': 'def area(s):\n    return 0\n',
      'pkg/colors.py': 'RED = 1  # the default\n',
      'pkg/base.py': 'class Base:\n    pass\n\ndef make():\n    return Base()\n',
    });
    const text = 'import pkg.shapes as sh\nfrom pkg.colors import RED as r\nfrom pkg.base import *\n\nx = sh.area(make())\ny = r\n';
    const snippets = await importSnippets(root, 'main.py', 'python', text);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine} ${s.text}`).sort(), [
      'pkg/base.py:3 def make():\n    return Base()',
      // The rest of a definition's last line (its comment) comes with it.
      'pkg/colors.py:0 RED = 1  # the default',
      'pkg/shapes.py:0 def area(s):\n    return 0',
    ]);
  });

  it("looks up a module's members among its top-level definitions, never a sibling of a package for an absolute import", async () => {
    const root = workspace({
      'app/__init__.py': '',
      'app/events.py': 'class Loop:\n    def run(self):\n        pass\n\ndef run(loop):\n    return loop\n',
      // `import logging` inside the package `app` is the standard library's, not this file.
      'app/logging.py': 'def getLogger(name):\n    return name\n',
    });
    const text = 'import logging\nfrom . import events\n\nlog = logging.getLogger(__name__)\nevents.run(None)\n';
    const snippets = await importSnippets(root, 'app/main.py', 'python', text);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine} ${s.text.split('\n')[0]}`), ['app/events.py:4 def run(loop):', 'app/events.py:undefined class Loop:']);
  });

  it("gives an imported module's outline when the line may use a member the file does not use yet, and unused imports before used ones", async () => {
    const root = workspace({
      'pkg/__init__.py': '',
      'pkg/events.py': '_loop = None\n\ndef get_loop():\n    return _loop\n\nclass Policy:\n    def new_loop(self):\n        pass\n\ndef _reset():\n    pass\n',
      'pkg/util.py': 'def helper():\n    pass\n\ndef fresh():\n    pass\n',
    });
    const text = 'from . import events\nfrom .util import helper, fresh\n\nhelper()\n' + 'x = 1\n'.repeat(40) + 'def main():\n    ';
    const snippets = await importSnippets(root, 'pkg/main.py', 'python', text);
    // `events` and `fresh` are used nowhere yet: the line being written may be their first use.
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine}`), ['pkg/events.py:undefined', 'pkg/util.py:3', 'pkg/util.py:0']);
    // Top-level definitions only, public ones and private ones alike, in file order; no methods.
    assert.equal(snippets[0]!.text, '_loop = None\ndef get_loop():\nclass Policy:\ndef _reset():');
  });

  it('prefers an open document to the disk, and gives nothing for other languages', async () => {
    const root = workspace({ 'a.ts': 'export function format() { return 1; }\n' });
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const source = new ImportDefinitions(trees, readFile, [root]);
    const open = [{ uri: pathToFileURL(path.join(root, 'a.ts')).href, path: 'a.ts', languageId: 'typescript', text: 'export function format(edited: boolean) { return 2; }\n' }];
    const snippets = await source.snippets(requestFor(root, 'main.ts', 'typescript', "import { format } from './a';\nformat("), open);
    assert.equal(snippets[0]?.text, 'export function format(edited: boolean) { return 2; }');
    assert.deepEqual(await source.snippets(requestFor(root, 'main.go', 'go', 'import "fmt"\nfmt.'), []), []);
    trees.dispose();
  });

  it('resolves tsconfig paths and baseUrl (nearest tsconfig above the file, with comments, trailing commas and extends)', async () => {
    const root = workspace({
      'tsconfig.base.json': '{\n  // shared options\n  "compilerOptions": { "baseUrl": "./packages", },\n}\n',
      'tsconfig.json': '{\n  "extends": "./tsconfig.base",\n  /* the app\'s aliases */\n  "compilerOptions": {\n    "paths": {\n      "@app/*": ["app/src/*", "fallback/*"], // two targets\n      "config": ["app/config.ts"],\n    },\n  },\n}\n',
      'packages/app/src/models/user.ts': 'export class User {\n  name = "";\n}\n',
      'packages/app/config.ts': 'export const settings = { debug: true };\n',
      'packages/shared/math.ts': 'export function clamp(v: number) {\n  return v;\n}\n',
    });
    const text = "import { User } from '@app/models/user';\nimport { settings } from 'config';\nimport { clamp } from 'shared/math';\n\nconst u = new User();\nclamp(settings.debug ? 1 : 0);\n";
    const snippets = await importSnippets(root, 'packages/app/src/main.ts', 'typescript', text);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0]}`).sort(), [
      'packages/app/config.ts:0 export const settings = { debug: true };',
      'packages/app/src/models/user.ts:0 export class User {',
      'packages/shared/math.ts:0 export function clamp(v: number) {',
    ]);
  });

  it("resolves a Go import of the current module to its package's files, and Java imports under a source root", async () => {
    const root = workspace({
      'go.mod': 'module example.com/shop\n\ngo 1.22\n',
      'internal/models/user.go': 'package models\n\ntype User struct {\n\tName string\n}\n',
      'internal/models/order.go': 'package models\n\nfunc NewOrder(u *User) int {\n\treturn 0\n}\n',
      'internal/models/order_test.go': 'package models\n\nfunc NewOrder() {}\n',
      'src/main/java/com/shop/model/Item.java': 'package com.shop.model;\n\npublic class Item {\n  public static Item of(String name) { return new Item(); }\n}\n',
    });
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const source = new ImportDefinitions(trees, readFile, [root]);
    const goText = 'package main\n\nimport (\n\t"fmt"\n\t"example.com/shop/internal/models"\n)\n\nfunc main() {\n\tu := &models.User{}\n\tfmt.Println(models.NewOrder(u))\n';
    const go = await source.snippets(requestFor(root, 'cmd/main.go', 'go', goText), []);
    assert.deepEqual(go.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0]}`).sort(), [
      'internal/models/order.go:2 func NewOrder(u *User) int {',
      'internal/models/user.go:2 type User struct {',
    ]);
    const javaText = 'package com.shop.app;\n\nimport com.shop.model.Item;\n\nclass App {\n  void run() {\n    Item i = Item.of("x");\n';
    const java = await source.snippets(requestFor(root, 'src/main/java/com/shop/app/App.java', 'java', javaText), []);
    assert.deepEqual(java.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0].trim()}`).sort(), [
      'src/main/java/com/shop/model/Item.java:2 public class Item {',
      'src/main/java/com/shop/model/Item.java:3 public static Item of(String name) { return new Item(); }',
    ]);
    trees.dispose();
  });

  it('resolves Java `import a.b.*;` to the used classes of the package folder, and `import static a.b.C.*;` to members of C', async () => {
    const root = workspace({
      'src/main/java/com/shop/model/Item.java': 'package com.shop.model;\n\npublic class Item {\n  public static Item of(String name) { return new Item(); }\n}\n',
      'src/main/java/com/shop/model/Price.java': 'package com.shop.model;\n\npublic class Price {\n}\n',
      'src/main/java/com/shop/util/Strings.java': 'package com.shop.util;\n\npublic final class Strings {\n  public static String pad(String s) { return s; }\n}\n',
    });
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    let reads: string[] = [];
    const source = new ImportDefinitions(trees, (file) => (reads.push(file), readFile(file)), [root]);
    const text = 'package com.shop.app;\n\nimport java.util.*;\nimport com.shop.model.*;\nimport static com.shop.util.Strings.*;\n\nclass App {\n  void run() {\n    Item i = Item.of(pad("x"));\n';
    const snippets = await source.snippets(requestFor(root, 'src/main/java/com/shop/app/App.java', 'java', text), []);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0].trim()}`).sort(), [
      'src/main/java/com/shop/model/Item.java:2 public class Item {',
      'src/main/java/com/shop/util/Strings.java:3 public static String pad(String s) { return s; }',
    ]);
    // The package's folder is listed, and only the files of classes used near the cursor are read.
    assert.ok(!reads.some((f) => f.endsWith('Price.java')));
    reads = [];
    await source.snippets(requestFor(root, 'src/main/java/com/shop/app/App.java', 'java', text), []);
    assert.deepEqual(reads, [], 'listings, misses and files are cached');
    trees.dispose();
  });

  it('reads a C++ header as C++: by its text, by the C++ file that includes it, or as the editor says for an open one', async () => {
    const root = workspace({
      'shapes.h': '#pragma once\nnamespace geo {\nclass Circle {\npublic:\n  double area() const;\n};\n}\n',
      'vec.h': 'struct Vec {\n  float x;\n  float dot(const Vec& o) const;\n};\n',
    });
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const source = new ImportDefinitions(trees, readFile, [root]);
    const defs = (snippets: { path: string; text: string }[]) => snippets.map((s) => `${s.path} ${s.text.split('\n')[0]!.trim()}`).sort();
    const cpp = await source.snippets(requestFor(root, 'main.cpp', 'cpp', '#include "shapes.h"\n#include "vec.h"\n\nint main() {\n  geo::Circle c;\n  Vec v;\n  return c.area() + v.dot(v);\n'), []);
    assert.deepEqual(defs(cpp), ['shapes.h class Circle {', 'shapes.h double area() const;', 'shapes.h namespace geo {', 'vec.h float dot(const Vec& o) const;', 'vec.h struct Vec {']);
    // Included from C, vec.h is C (which sees no method); open in the editor as C++, it is C++.
    const cText = '#include "vec.h"\n\nfloat f(struct Vec v) {\n  return v.dot(v);\n';
    assert.deepEqual(defs(await source.snippets(requestFor(root, 'main.c', 'c', cText), [])), ['vec.h struct Vec {']);
    const open = [{ uri: pathToFileURL(path.join(root, 'vec.h')).href, path: 'vec.h', languageId: 'cpp', text: fs.readFileSync(path.join(root, 'vec.h'), 'utf8') }];
    assert.deepEqual(defs(await source.snippets(requestFor(root, 'main.c', 'c', cText), open)), ['vec.h float dot(const Vec& o) const;', 'vec.h struct Vec {']);
    trees.dispose();
  });

  it('resolves C/C++ includes beside the file, then under each workspace folder and its include/', async () => {
    const root = workspace({
      'src/util.h': '#define MAX_ITEMS 64\nint clamp(int v, int lo, int hi);\n',
      'include/core/point.h': 'typedef struct { int x, y; } Point;\n',
      'core/point.h': 'typedef struct { float x; } Point;\n',
      'include/core/unused.h': 'int unused(void);\n',
    });
    const text = '#include <stdio.h>\n#include "util.h"\n#include <core/point.h>\n\nint main(void) {\n  Point p = {0};\n  return clamp(p.x, 0, MAX_ITEMS);\n';
    const snippets = await importSnippets(root, 'src/main.c', 'c', text);
    // `core/point.h` under the folder itself comes before include/'s; unused.h is not included.
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine} ${s.text}`).sort(), [
      'core/point.h:0 typedef struct { float x; } Point;',
      'src/util.h:0 #define MAX_ITEMS 64',
      'src/util.h:1 int clamp(int v, int lo, int hi);',
    ]);
  });

  it('resolves Rust `mod foo;` and `use crate::`, `self::` and `super::` paths from the crate root beside Cargo.toml', async () => {
    const root = workspace({
      'Cargo.toml': '[package]\nname = "shop"\n',
      'src/app/parser.rs': 'pub fn parse(s: &str) -> u32 {\n    0\n}\npub struct Token;\n',
      'src/util/math.rs': 'pub fn clamp(v: f32) -> f32 {\n    v\n}\npub struct Vec2 {\n    x: f32,\n}\n',
      'src/config.rs': 'pub struct Settings {\n    debug: bool,\n}\n',
      'src/other.rs': 'pub struct Settings;\n',
    });
    const text = 'mod parser;\nuse crate::util::math::{clamp, Vec2};\nuse super::config::Settings as Config;\nuse self::parser::Token;\n\nfn run(v: Vec2, t: Token) -> Config {\n    let n = parser::parse("1");\n    clamp(v.x);\n';
    const snippets = await importSnippets(root, 'src/app.rs', 'rust', text);
    assert.deepEqual(snippets.filter((s) => s.range).map((s) => `${s.path}:${s.range!.startLine} ${s.text.split('\n')[0]}`).sort(), [
      'src/app/parser.rs:0 pub fn parse(s: &str) -> u32 {',
      'src/app/parser.rs:3 pub struct Token;',
      'src/config.rs:0 pub struct Settings {',
      'src/util/math.rs:0 pub fn clamp(v: f32) -> f32 {',
      'src/util/math.rs:3 pub struct Vec2 {',
    ]);
  });

  it('resolves C# `using A.B;` to the files that define a used name and declare namespace A.B', async () => {
    const root = workspace({
      'Models/User.cs': 'namespace Shop.Models\n{\n    public class User\n    {\n        public string Name { get; set; }\n    }\n}\n',
      'Legacy/User.cs': 'namespace Shop.Legacy;\n\npublic class User\n{\n}\n',
    });
    const files: Record<string, string[]> = { User: ['Models/User.cs', 'Legacy/User.cs'].map((f) => path.join(root, f)) };
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const source = new ImportDefinitions(trees, readFile, [root], (name) => files[name] ?? []);
    const text = 'using System;\nusing Shop.Models;\n\nclass App\n{\n    void Run()\n    {\n        var u = new User();\n';
    const snippets = await source.snippets(requestFor(root, 'App.cs', 'csharp', text), []);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine} ${s.text.split('\n')[0].trim()}`), ['Models/User.cs:2 public class User']);
    trees.dispose();
  });

  it('resolves C# `using X = A.B.C;` (X stands for the type C of namespace A.B) and `using static A.B.C;` (C\'s members)', async () => {
    const root = workspace({
      'Models/User.cs': 'namespace Shop.Models\n{\n    public class User\n    {\n        public static User Create(string name) => new User();\n    }\n}\n',
      'Legacy/User.cs': 'namespace Shop.Legacy;\n\npublic class User\n{\n    public static User Create() => new User();\n}\n',
      'Util/Text.cs': 'namespace Shop.Util;\n\npublic static class Text\n{\n    public static string Pad(string s) => s;\n}\n',
    });
    const defined: Record<string, string[]> = { User: ['Models/User.cs', 'Legacy/User.cs'], Text: ['Util/Text.cs'], Create: ['Models/User.cs', 'Legacy/User.cs'], Pad: ['Util/Text.cs'] };
    const trees = new DocumentTrees({ timeoutMs: 5000 });
    const source = new ImportDefinitions(trees, readFile, [root], (name) => (defined[name] ?? []).map((f) => path.join(root, f)));
    const text = 'using Person = Shop.Models.User;\nusing static Shop.Util.Text;\n\nclass App\n{\n    void Run()\n    {\n        var u = Person.Create(Pad("x"));\n';
    const snippets = await source.snippets(requestFor(root, 'App.cs', 'csharp', text), []);
    assert.deepEqual(snippets.map((s) => `${s.path}:${s.range?.startLine} ${s.text.split('\n')[0].trim()}`).sort(), [
      'Models/User.cs:2 public class User',
      'Models/User.cs:4 public static User Create(string name) => new User();',
      'Util/Text.cs:4 public static string Pad(string s) => s;',
    ]);
    trees.dispose();
  });
});
