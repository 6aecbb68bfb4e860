; `use` declarations: the path, and the names brought into scope.
(use_declaration argument: (_) @import.source) @import
(use_declaration argument: (scoped_identifier name: (identifier) @import.name))
(use_declaration argument: (identifier) @import.name)
(use_list (identifier) @import.name)
(use_list (scoped_identifier name: (identifier) @import.name))
(use_as_clause alias: (identifier) @import.name)
; `mod foo;` (no body): the module in foo.rs or foo/mod.rs, bound as `foo`.
(mod_item !body name: (identifier) @import.module) @import @import.source
