; `import a.b.C;` and `import static a.b.C.m;`: the path, and the simple name it binds.
(import_declaration (scoped_identifier) @import.source) @import
(import_declaration (scoped_identifier name: (identifier) @import.name))
