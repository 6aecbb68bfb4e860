import * as assert from 'node:assert/strict';
import { grammarOfFile, languageOfFile } from '../../src/languages/languageOfFile';

describe('languages/languageOfFile', () => {
  it('knows a file on disk by its extension, whatever its case', () => {
    assert.equal(languageOfFile('/w/App.TSX'), 'typescriptreact');
    assert.equal(languageOfFile('/w/lib.mjs'), 'javascript');
    assert.equal(languageOfFile('/w/run.sh'), 'shellscript');
    assert.equal(languageOfFile('/w/README'), undefined);
    assert.equal(languageOfFile('/w/notes.txt'), undefined);
    assert.equal(grammarOfFile('/w/view.jsx'), 'javascript');
    assert.equal(grammarOfFile('/w/app.rb'), undefined, 'Ruby has no grammar');
  });

  it('reads a .h header as C++ in a C++ project or when its text is C++, else as C', () => {
    assert.equal(languageOfFile('/w/util.h'), 'c');
    assert.equal(languageOfFile('/w/util.h', { text: '// the class of points\nstruct point { int x; };\n#ifdef __cplusplus\nextern "C" {\n#endif\n' }), 'c');
    for (const text of ['namespace geo {', 'class Circle : public Shape {', 'template <typename T>\nT max(T a, T b);', 'struct S {\npublic:\n  int x;\n};', 'std::string name();', 'using namespace std;']) {
      assert.equal(languageOfFile('/w/UTIL.H', { text }), 'cpp', text);
    }
    assert.equal(languageOfFile('/w/util.h', { cppProject: true }), 'cpp');
    // Only `.h` is in doubt.
    assert.equal(languageOfFile('/w/main.c', { cppProject: true, text: 'std::x' }), 'c');
    assert.equal(languageOfFile('/w/util.hpp'), 'cpp');
  });
});
