; ES module imports and CommonJS requires, the module they name, and the local names they bind.
(import_statement source: (string (string_fragment) @import.source)) @import
(import_specifier alias: (identifier) @import.name)
(import_specifier !alias name: (identifier) @import.name)
(import_clause (identifier) @import.name)
; `* as m` binds the module itself.
(namespace_import (identifier) @import.module)
(export_statement source: (string (string_fragment) @import.source)) @import
; `const m = require('./x')` binds the module, `const { a, b: c } = require('./x')` the names it
; lists; in a `const`/`let` or a `var` declaration alike (the only nodes holding declarators).
(_
  (variable_declarator
    name: [
      (identifier) @import.module
      (object_pattern [
        (shorthand_property_identifier_pattern) @import.name
        (pair_pattern value: (identifier) @import.name)
      ])
    ]
    value: (call_expression
      function: (identifier) @_require (#eq? @_require "require")
      arguments: (arguments (string (string_fragment) @import.source))))) @import
