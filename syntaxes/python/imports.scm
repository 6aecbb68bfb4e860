; `import a.b`, `import a.b as c`, `from .a import b as c`, `from a import *`, and the local names they bind.
(import_statement name: (dotted_name) @import.source) @import
(import_statement name: (aliased_import name: (dotted_name) @import.source)) @import
; `import a.b as c`: `c` is the module.
(import_statement name: (aliased_import alias: (identifier) @import.module))
(import_from_statement module_name: (_) @import.source) @import
(import_from_statement name: (dotted_name (identifier) @import.name))
(import_from_statement name: (aliased_import alias: (identifier) @import.name))
(import_from_statement (wildcard_import) @import.wildcard)
