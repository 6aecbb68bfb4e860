import * as assert from 'node:assert/strict';
import { buildFimLayout } from '../../src/prompt/fimLayout';
import { FIM_TEMPLATES, type FimTemplate } from '../../src/prompt/fimTemplates';

const template = (id: FimTemplate['id']) => FIM_TEMPLATES.find((t) => t.id === id)!;
const input = {
  prefix: 'const t = ',
  prefixStartLine: 32,
  suffix: ';',
  filePath: 'main.ts',
  snippets: [{ path: 'lib/tax.ts', text: 'export const rate = 0.2;' }],
  lineComment: '//',
};
/** Each part as [role, control token, text, fit rule]: the whole prompt as data. */
const rows = (id: FimTemplate['id']) => buildFimLayout(template(id), input).map((p) => [p.role, p.control ?? '', p.text, p.fit.rule]);

describe('buildFimLayout', () => {
  it('lays out the repo-level format: header, files, then the FIM markers', () => {
    assert.deepEqual(rows('qwen2.5-coder'), [
      ['repo-name', '<|repo_name|>', 'workspace\n', 'keep'],
      ['snippet', '<|file_sep|>', 'lib/tax.ts\nexport const rate = 0.2;\n', 'drop-whole'],
      ['file-path', '<|file_sep|>', 'main.ts\n', 'keep'],
      ['prefix-marker', '<|fim_prefix|>', '', 'keep'],
      ['prefix', '', 'const t = ', 'chunk-tail'],
      ['suffix-marker', '<|fim_suffix|>', '', 'keep'],
      ['suffix', '', ';', 'line-head'],
      ['middle-marker', '<|fim_middle|>', '', 'keep'],
    ]);
  });

  it('puts snippets as comments after the prefix marker without a repo-level format, and CodeLlama\'s space after its marker', () => {
    assert.deepEqual(rows('codellama').slice(0, 3), [
      ['prefix-marker', '▁<PRE>', ' ', 'keep'],
      ['snippet', '', '// Path: lib/tax.ts\n// export const rate = 0.2;\n', 'drop-whole'],
      ['prefix', '', 'const t = ', 'chunk-tail'],
    ]);
  });

  it('records what the budget needs: the prefix start line, the snippet text length', () => {
    const layout = buildFimLayout(template('starcoder2'), input);
    assert.deepEqual(layout.find((p) => p.role === 'prefix')!.fit, { rule: 'chunk-tail', startLine: 32 });
    assert.deepEqual(layout.find((p) => p.role === 'snippet')!.fit, { rule: 'drop-whole', textChars: input.snippets[0]!.text.length });
  });

  it('lays out suffix-first (SPM) after the repository header: <PRE><SUF>suffix<MID>prefix, the middle following the prefix', () => {
    assert.deepEqual(buildFimLayout(template('starcoder2'), input, 'spm').map((p) => [p.role, p.control ?? '', p.text, p.fit.rule]), [
      ['repo-name', '<repo_name>', 'workspace\n', 'keep'],
      ['snippet', '<file_sep>', 'lib/tax.ts\nexport const rate = 0.2;\n', 'drop-whole'],
      ['file-path', '<file_sep>', 'main.ts\n', 'keep'],
      ['prefix-marker', '<fim_prefix>', '', 'keep'],
      ['suffix-marker', '<fim_suffix>', '', 'keep'],
      ['suffix', '', ';', 'line-head'],
      ['middle-marker', '<fim_middle>', '', 'keep'],
      ['prefix', '', 'const t = ', 'chunk-tail'],
    ]);
  });

  it('writes CodeLlama\'s SPM as its suffix_first code does: "<PRE> <SUF>{suf} <MID> {pre}", the commented snippets opening the prefix', () => {
    assert.deepEqual(buildFimLayout(template('codellama'), input, 'spm').map((p) => [p.role, p.control ?? '', p.text, p.fit.rule]), [
      ['prefix-marker', '▁<PRE>', '', 'keep'],
      ['suffix-marker', '▁<SUF>', '', 'keep'],
      ['suffix', '', ';', 'line-head'],
      ['middle-marker', '▁<MID>', ' ', 'keep'],
      ['snippet', '', '// Path: lib/tax.ts\n// export const rate = 0.2;\n', 'drop-whole'],
      ['prefix', '', 'const t = ', 'chunk-tail'],
    ]);
  });

  it('refuses SPM for a family without it (resolveFimOrder never asks for it)', () => {
    for (const t of FIM_TEMPLATES.filter((x) => !x.spm)) assert.throws(() => buildFimLayout(t, input, 'spm'), /has no suffix-first \(SPM\) format/);
  });

  it('has no repository header when there is neither a path nor a snippet', () => {
    assert.deepEqual(buildFimLayout(template('qwen2.5-coder'), { prefix: 'x', prefixStartLine: 0, suffix: '' }).map((p) => p.role), ['prefix-marker', 'prefix', 'suffix-marker', 'suffix', 'middle-marker']);
  });
});
