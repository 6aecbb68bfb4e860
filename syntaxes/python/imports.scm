; `import a.b`, `import a.b as c`, `from .a import b as c`, and the local names they bind.
(import_statement name: (dotted_name) @import.source) @import
(import_statement name: (aliased_import name: (dotted_name) @import.source)) @import
(aliased_import alias: (identifier) @import.name)
(import_from_statement module_name: (_) @import.source) @import
(import_from_statement name: (dotted_name (identifier) @import.name))
