import * as fs from 'node:fs';
import * as path from 'node:path';
import ignore, { type Ignore } from 'ignore';
import { isWithin } from './fsPaths';
import { grammarOfFile } from '../languages/languageOfFile';

/**
 * Folders never indexed, whatever .gitignore says: dependencies, build output, caches. Hidden
 * folders (.git, .venv, .cache...) are skipped too.
 */
const SKIPPED_FOLDERS = new Set(['node_modules', 'bower_components', 'dist', 'out', 'build', 'target', 'vendor', '__pycache__', 'venv', 'obj', 'coverage']);

function skippedFolder(name: string): boolean {
  return name.startsWith('.') || SKIPPED_FOLDERS.has(name);
}

/** Bundled or minified files: one huge line of code nobody reads. */
function skippedFile(name: string): boolean {
  return !grammarOfFile(name) || /\.min\.[cm]?js$|\.bundle\.js$/.test(name);
}

/**
 * The source files of the workspace folders: those with a grammar, outside skipped folders, not
 * ignored by a .gitignore of their folder or any folder above it up to the workspace folder (the
 * deepest one that has a rule for a path decides, as in git). Symbolic links are not followed: a
 * link to a folder can form a loop, and a linked file is usually indexed at its real place.
 */
export class WorkspaceFiles {
  /** Each folder's .gitignore rules; null where it has none. */
  private readonly rules = new Map<string, Ignore | null>();

  constructor(readonly roots: string[]) {}

  /**
   * Source files breadth first (the top of the tree first, which a file limit keeps), reading one
   * folder's entries in small batches. Stops when `cancelled()` is true between entries.
   */
  async *walk(cancelled: () => boolean): AsyncGenerator<string> {
    const queue = [...this.roots];
    for (let next = 0; next < queue.length; next++) {
      const dir = queue[next]!;
      const root = this.rootOf(dir)!;
      await this.load(dir);
      let handle: fs.Dir;
      try {
        handle = await fs.promises.opendir(dir, { bufferSize: 64 });
      } catch {
        continue; // unreadable or gone
      }
      for await (const entry of handle) {
        if (cancelled()) return;
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          if (!skippedFolder(entry.name) && !this.ignoredHere(root, full, true)) queue.push(full);
        } else if (entry.isFile() && !skippedFile(entry.name) && !this.ignoredHere(root, full, false)) yield full;
      }
    }
  }

  /** Whether a file the walk would not give: outside the roots, skipped, or ignored (checks every folder on its way). */
  async excluded(fsPath: string): Promise<boolean> {
    const root = this.rootOf(fsPath);
    if (!root || root === fsPath || skippedFile(path.basename(fsPath))) return true;
    const parts = path.relative(root, fsPath).split(path.sep);
    let dir = root;
    for (let i = 0; i < parts.length; i++) {
      await this.load(dir);
      const isDir = i < parts.length - 1;
      const full = path.join(dir, parts[i]!);
      if ((isDir && skippedFolder(parts[i]!)) || this.ignoredHere(root, full, isDir)) return true;
      dir = full;
    }
    return false;
  }

  /** Forget a folder's rules (its .gitignore changed): they are read again when next needed. */
  forgetRules(dir: string): void {
    this.rules.delete(dir);
  }

  private rootOf(fsPath: string): string | undefined {
    return this.roots.find((r) => isWithin(r, fsPath));
  }

  private async load(dir: string): Promise<void> {
    if (this.rules.has(dir)) return;
    const text = await fs.promises.readFile(path.join(dir, '.gitignore'), 'utf8').catch(() => undefined);
    this.rules.set(dir, text ? ignore().add(text) : null);
  }

  /** The .gitignore verdict on one path whose folders' rules are loaded; the folders above it are not checked. */
  private ignoredHere(root: string, fsPath: string, isDir: boolean): boolean {
    const parts = path.relative(root, fsPath).split(path.sep);
    let ignored = false;
    let dir = root;
    for (let i = 0; i < parts.length; i++) {
      const rules = this.rules.get(dir);
      if (rules) {
        const verdict = rules.test(parts.slice(i).join('/') + (isDir ? '/' : ''));
        if (verdict.ignored) ignored = true;
        else if (verdict.unignored) ignored = false;
      }
      dir = path.join(dir, parts[i]!);
    }
    return ignored;
  }
}
