; Named declarations another file may refer to.
(function_declaration name: (identifier) @definition.name) @definition
(generator_function_declaration name: (identifier) @definition.name) @definition
(class_declaration name: (identifier) @definition.name) @definition
(method_definition name: (property_identifier) @definition.name) @definition
(program (lexical_declaration (variable_declarator name: (identifier) @definition.name)) @definition)
(program (variable_declaration (variable_declarator name: (identifier) @definition.name)) @definition)
(program (export_statement (lexical_declaration (variable_declarator name: (identifier) @definition.name)) @definition))
; CommonJS: `exports.name = ...`, `module.exports.name = ...`.
(program (expression_statement (assignment_expression left: (member_expression property: (property_identifier) @definition.name))) @definition)
