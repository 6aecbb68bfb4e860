; Functions, methods, types, and package-level constants and variables.
(function_declaration name: (identifier) @definition.name) @definition
(method_declaration name: (field_identifier) @definition.name) @definition
(type_declaration (type_spec name: (type_identifier) @definition.name)) @definition
(source_file (const_declaration (const_spec name: (identifier) @definition.name)) @definition)
(source_file (var_declaration (var_spec name: (identifier) @definition.name)) @definition)
