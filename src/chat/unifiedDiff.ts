import { createTwoFilesPatch, FILE_HEADERS_ONLY } from 'diff';

/**
 * A unified diff of `original` and `replacement` (`--- a/path`, `+++ b/path`, hunks with 3 lines
 * of context, as `git diff` writes them), for the CLI's `--json` output. Give the whole document
 * before and after for hunk lines numbered as in the file. Empty when the texts are equal.
 */
export function unifiedDiff(original: string, replacement: string, path: string): string {
  if (original === replacement) return '';
  return createTwoFilesPatch(`a/${path}`, `b/${path}`, original, replacement, undefined, undefined, { context: 3, headerOptions: FILE_HEADERS_ONLY });
}
