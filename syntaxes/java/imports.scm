; `import a.b.C;` and `import static a.b.C.m;`: the path, and the simple name it binds.
(import_declaration (scoped_identifier) @import.source) @import
; The name is the path's last named child: `import a.b.*;` binds no `b`.
(import_declaration (scoped_identifier name: (identifier) @import.name) .)
; `import a.b.*;` (a package's classes) and `import static a.b.C.*;` (C's members).
(import_declaration (asterisk) @import.wildcard)
