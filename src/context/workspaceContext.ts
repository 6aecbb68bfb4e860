import * as fs from 'node:fs';
import { ContextEngine, type ContextRequest, type ContextResult } from './contextEngine';
import { ImportDefinitions, type ReadFile } from './importDefinitions';
import { grammarFor } from '../languages/languages';
import type { OpenDocuments } from './openDocuments';
import { DocumentTrees, type TextChange } from '../treeSitter/parser';
import { RecentSnippets } from './recentSnippets';
import type { ContextSource } from './snippet';
import { WorkspaceIndex } from './workspaceIndex';

export interface WorkspaceContextOptions {
  /** Workspace folders (file system paths): import lookups stop at them and path labels are relative to them. */
  roots: string[];
  /** The documents open in the editor (the CLI: the file it completes). */
  documents: OpenDocuments;
  log?: (message: string) => void;
  readFile?: ReadFile;
  /** Per-source time budgets; the CLI, with nobody typing, gives them more than the editor does. */
  budgetsMs?: Partial<Record<ContextSource, number>>;
}

/** Imported files larger than this are not read: bundles and generated code say little per token. */
const MAX_IMPORTED_FILE_BYTES = 1_000_000;

/** Reads a workspace file for the imports source; anything unreadable is simply no context. */
export const readSourceFile: ReadFile = async (fsPath) => {
  try {
    const stat = await fs.promises.stat(fsPath);
    if (!stat.isFile() || stat.size > MAX_IMPORTED_FILE_BYTES) return undefined;
    return await fs.promises.readFile(fsPath, 'utf8');
  } catch {
    return undefined;
  }
};

/**
 * The context engine with its parts assembled, fed by editor events. The extension forwards VS
 * Code's document events here (ui/contextTracker.ts); the CLI opens the one file it completes.
 * Editor-agnostic: events carry URIs, texts and VS Code-shaped content changes.
 */
export class WorkspaceContext {
  private readonly trees: DocumentTrees;
  private readonly recent = new RecentSnippets();
  private readonly engine: ContextEngine;
  private readonly log: (message: string) => void;
  /** Definitions of the workspace's files, indexed in the background; absent without a folder on disk. */
  readonly index: WorkspaceIndex | undefined;

  constructor(options: WorkspaceContextOptions) {
    this.log = options.log ?? (() => {});
    this.trees = new DocumentTrees({ log: this.log });
    this.index = options.roots.length ? new WorkspaceIndex({ roots: options.roots, log: this.log }) : undefined;
    this.engine = new ContextEngine({
      trees: this.trees,
      recent: this.recent,
      documents: options.documents,
      // C#'s `using A.B;` names no file: the index tells which files define a used name.
      imports: new ImportDefinitions(this.trees, options.readFile ?? readSourceFile, options.roots, (name) => this.index?.lookup(name).map((d) => d.file) ?? []),
      workspace: this.index,
      log: this.log,
    }, options.budgetsMs);
  }

  /** Starts indexing the workspace in the background (never blocks typing; see WorkspaceIndex); resolves when the first walk ends. */
  indexWorkspace(): Promise<void> {
    if (!this.index) return Promise.resolve();
    this.index.start();
    return this.index.ready;
  }

  /** A file on disk was created, changed or saved. */
  fileChanged(fsPath: string): void {
    this.index?.fileChanged(fsPath);
  }

  /** A file or folder on disk was deleted. */
  fileDeleted(fsPath: string): void {
    this.index?.fileDeleted(fsPath);
  }

  /**
   * A document was opened: its grammar and queries load (once per language) and it is parsed
   * from scratch, off the typing path. `text` is read after the grammar has loaded, so that edits
   * made meanwhile are in the tree. Never rejects: a grammar that fails to load leaves that
   * language with line-based context, which the log says.
   */
  async opened(uri: string, languageId: string, text: () => string): Promise<void> {
    if (!grammarFor(languageId)) return;
    try {
      await this.engine.prepare(languageId);
      await this.trees.open(uri, languageId, text());
    } catch (err) {
      this.log(`context: ${languageId} grammar unavailable (${(err as Error).message}); line-based context for it`);
    }
  }

  /** A document was edited: its tree is marked for an incremental reparse, and it becomes the most recent file. */
  changed(uri: string, changes: readonly TextChange[]): void {
    this.trees.edit(uri, changes);
    this.recent.touch(uri);
  }

  /** A document was shown in an editor: recently viewed files give snippets too. */
  viewed(uri: string): void {
    this.recent.touch(uri);
  }

  closed(uri: string): void {
    this.trees.close(uri);
    this.engine.close(uri);
    this.recent.forget(uri);
  }

  build(request: ContextRequest): Promise<ContextResult> {
    return this.engine.build(request);
  }

  dispose(): void {
    this.index?.dispose();
    this.trees.dispose();
  }
}
