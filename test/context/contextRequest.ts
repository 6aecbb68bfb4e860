import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ContextRequest } from '../../src/context/contextEngine';

/** A context request for file `name` under `root`, cursor at the end of `text`. */
export function requestFor(root: string, name: string, languageId: string, text: string): ContextRequest {
  return { uri: pathToFileURL(path.join(root, name)).href, path: name, languageId, text, cursorOffset: text.length, prefixStartLine: 0, maxContextTokens: 1000 };
}
