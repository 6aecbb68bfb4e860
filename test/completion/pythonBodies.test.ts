// Multi-line completions of Python function bodies (issue 16, part 5), with code from Python's
// standard library: the true body as the model's output, cut by the token limit or followed by
// the code after it, as a model that writes on would. Each case was shown as its first line only
// (or as `""`) before: windows that start inside a docstring read the code as a string, and a
// completion cut short by the token limit was cut back to what parses.
import * as assert from 'node:assert/strict';
import { CompletionService, type CompletionSettings } from '../../src/completion/completionService';
import { syntaxWindow } from '../../src/completion/syntax/syntaxWindow';
import { ensureGrammar, parseSnippet } from '../../src/treeSitter/parser';
import { CURSOR, dedent, lines } from './postprocess/atCursor';

const SETTINGS: CompletionSettings = {
  debounceMs: 0, maxNewTokens: 64, maxPromptTokens: 1024, maxSuffixTokens: 256, maxContextTokens: 0,
  multiline: 'auto', maxLines: 16, syntaxCheck: true, timeBudgetMs: 5000, speculation: {}, suffixReuse: 'exact',
};
const service = new CompletionService({ infill: () => Promise.reject(new Error('not asked')) }, () => SETTINGS);

/** `doc` is dedented unless it is given `raw`: a template can't hold the long docstring's own indentation. */
function planAt(doc: string, raw = false) {
  const text = raw ? doc : dedent(doc);
  const docLines = text.split('\n');
  const line = docLines.findIndex((l) => l.includes(CURSOR));
  const character = docLines[line].indexOf(CURSOR);
  docLines[line] = docLines[line].replace(CURSOR, '');
  return service.plan({ documentId: 'file:///lib.py', document: { lineCount: docLines.length, lineText: (l) => docLines[l] }, languageId: 'python', position: { line, character }, explicit: true });
}

/** A module docstring long enough that the prompt's window starts inside it (about 1,024 tokens of prefix). */
const LONG_DOCSTRING = ['"""Here\'s a sample session to show how to use this module.', ...Array.from({ length: 300 }, (_, i) => `   >>> C["fig${i}"] = "newton"  # isn't it`), '"""', ''].join('\n');

describe('completion/python bodies (real code)', () => {
  before(async () => {
    assert.ok(await ensureGrammar('python'));
    // finish() gives up a parse after 5 ms, which a grammar's first parses take while V8 optimizes it.
    for (let i = 0; i < 20; i++) parseSnippet('python', 'def f(x):\n    return x\n'.repeat(50), 1000)?.delete();
  });

  it('a body that starts with a docstring, cut by the token limit: shown open, whole lines (asyncio/base_events.py)', () => {
    const plan = planAt(`
      class BaseEventLoop:
          def time(self):
              ${CURSOR}

          def call_later(self, delay, callback, *args, context=None):
              pass
    `);
    assert.equal(plan.multiline, true);
    const raw = lines('"""Return the time according to the event loop\'s clock.', '', '        This is a float expressed in seconds since an epoch, but the', '        epoch, precision, accu');
    assert.equal(service.finish(raw, plan, SETTINGS, 'max-tokens'), lines('"""Return the time according to the event loop\'s clock.', '', '        This is a float expressed in seconds since an epoch, but the'));
    // The same text as a finished answer still has to parse: an unclosed docstring is dropped, never cut to `""`.
    assert.equal(service.finish(raw, plan, SETTINGS, 'stop-token'), '');
  });

  it('a window that starts inside the module docstring: still multi-line, the body shown whole (http/cookies.py)', () => {
    const plan = planAt(lines(LONG_DOCSTRING, 'def _quote(str):', `    ${CURSOR}`, '', '', "_is_legal_key = re.compile('[%s]+' % re.escape(_LegalChars)).fullmatch"), true);
    assert.ok(!plan.position.prefix.startsWith('"""'), 'the window starts inside the docstring');
    assert.equal(plan.multiline, true);
    const body = lines('r"""Quote a string for use in a cookie header.', '', '    If the string does not need to be double-quoted, then just return the', '    string.  Otherwise, surround the string in doublequotes and quote', '    (with a \\) special characters.', '    """', '    if str is None or _is_legal_key(str):', '        return str', '    else:', '        return \'"\' + str.translate(_Translator) + \'"\'');
    assert.equal(service.finish(lines(body, '', '', '_is_legal_key = re.compile(\'[%s]+\' % re.escape(_LegalChars)).fullmatch'), plan, SETTINGS, 'stop-token'), body);
  });

  it('a method deep in a class whose docstring holds the window start: multi-line, no tree of the indented window (json/encoder.py)', () => {
    const plan = planAt(lines('class JSONEncoder(object):', '    """Extensible JSON <https://json.org> encoder for Python data structures.', ...LONG_DOCSTRING.split('\n').slice(1, -2), '    """', '    def default(self, o):', `        ${CURSOR}`, '', '    def encode(self, o):', '        pass'), true);
    assert.equal(syntaxWindow(plan.position), undefined);
    assert.equal(plan.multiline, true);
    const body = lines("raise TypeError(f'Object of type {o.__class__.__name__} '", "                        f'is not JSON serializable')");
    assert.equal(service.finish(lines(body, '', '    def encode(self, o):'), plan, SETTINGS, 'stop-token'), body);
  });

  it('a try block and an if block (importlib/_bootstrap.py, _bootstrap_external.py)', () => {
    const tryPlan = planAt(`
      def _object_name(obj):
          ${CURSOR}

      # Bootstrap-related code ######################################################
    `);
    const tryBody = lines('try:', '        return obj.__qualname__', '    except AttributeError:', '        return type(obj).__qualname__');
    assert.equal(service.finish(lines(tryBody, '', '# Bootstrap-related code ####', '', '_thread = None'), tryPlan, SETTINGS, 'max-tokens'), tryBody);
    const ifPlan = planAt(`
      def _make_relax_case():
          ${CURSOR}
      _relax_case = _make_relax_case()
    `);
    const ifBody = lines('if sys.platform.startswith(_CASE_INSENSITIVE_PLATFORMS):', "        if sys.platform.startswith(_CASE_INSENSITIVE_PLATFORMS_STR_KEY):", "            key = 'PYTHONCASEOK'", '        else:', "            key = b'PYTHONCASEOK'");
    assert.equal(service.finish(lines(ifBody, '', '        def _relax_case():', '            """True if filenames'), ifPlan, SETTINGS, 'max-tokens'), lines(ifBody, '', '        def _relax_case():'));
  });

  it('a statement continued over several lines, cut by the token limit (unittest/main.py)', () => {
    const plan = planAt(`
      class TestProgram(object):
          def _getParentArgParser(self):
              ${CURSOR}

          def _getMainArgParser(self, parent):
              pass
    `);
    const raw = lines('parser = argparse.ArgumentParser(add_help=False)', '', "        parser.add_argument('-v', '--verbose', dest='verbosity',", "                            action='store_const', const=2,", "                            help='Verbose output')", "        parser.add_argument('-q', '--quiet', dest='verbosity',", '                            action=');
    assert.equal(service.finish(raw, plan, SETTINGS, 'max-tokens'), raw.slice(0, raw.lastIndexOf('\n')));
  });
});
