import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { WorkspaceContext } from '../context/workspaceContext';
import { languageOfFile } from '../languages/languageOfFile';
import { readTextFile, required } from './args';

/** Options of the commands that work on a file of a workspace. */
export const FILE_OPTIONS = {
  file: { type: 'string' },
  language: { type: 'string' },
  workspace: { type: 'string' },
} as const;

export interface FileValues {
  file?: string;
  language?: string;
  workspace?: string;
}

/** The file named on the command line, as the editor would have it open. */
export interface SourceFile {
  uri: string;
  text: string;
  /** Lines without their line ends. */
  lines: string[];
  languageId: string;
  /** Workspace-relative, with `/`. */
  path: string;
  workspace: string;
}

export function readSourceFile(values: FileValues): SourceFile {
  const file = required(values.file, 'file');
  const text = readTextFile(file);
  const workspace = workspaceOf(values);
  return {
    uri: pathToFileURL(path.resolve(file)).href,
    text,
    lines: text.split(/\r?\n/),
    languageId: values.language ?? languageOfFile(file, { text }) ?? 'plaintext',
    path: path.relative(workspace, path.resolve(file)).split(path.sep).join('/'),
    workspace,
  };
}

function workspaceOf(values: FileValues): string {
  return values.workspace ? path.resolve(values.workspace) : path.dirname(path.resolve(required(values.file, 'file')));
}

/**
 * The editor's context engine over the workspace with the one file open, given time budgets for
 * a cold start (nobody is typing): what the editor would find once its caches are warm. Only a
 * workspace named with --workspace is indexed: a file's folder may be anything (~, /tmp).
 */
export async function workspaceContext(values: FileValues, source: SourceFile): Promise<WorkspaceContext> {
  const context = new WorkspaceContext({
    roots: [source.workspace],
    documents: { list: () => [{ uri: source.uri, path: source.path, languageId: source.languageId, text: source.text }] },
    budgetsMs: { scopes: 2000, imports: 5000, definitions: 2000, workspace: 5000, recent: 2000 },
    log: (line) => process.stderr.write(`[context] ${line}\n`),
  });
  await Promise.all([context.opened(source.uri, source.languageId, () => source.text), values.workspace ? context.indexWorkspace() : undefined]);
  return context;
}
