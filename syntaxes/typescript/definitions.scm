; Named declarations another file may refer to.
(function_declaration name: (identifier) @definition.name) @definition
(generator_function_declaration name: (identifier) @definition.name) @definition
(class_declaration name: (type_identifier) @definition.name) @definition
(abstract_class_declaration name: (type_identifier) @definition.name) @definition
(interface_declaration name: (type_identifier) @definition.name) @definition
(type_alias_declaration name: (type_identifier) @definition.name) @definition
(enum_declaration name: (identifier) @definition.name) @definition
(internal_module name: (identifier) @definition.name) @definition
(method_definition name: (property_identifier) @definition.name) @definition
; Top-level constants and variables, exported or not.
(program (lexical_declaration (variable_declarator name: (identifier) @definition.name)) @definition)
(program (variable_declaration (variable_declarator name: (identifier) @definition.name)) @definition)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @definition.name)) @definition))
