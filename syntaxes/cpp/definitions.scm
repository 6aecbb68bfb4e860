; inherits: c
(class_specifier name: (type_identifier) @definition.name body: (_)) @definition
(namespace_definition name: (namespace_identifier) @definition.name) @definition
(alias_declaration name: (type_identifier) @definition.name) @definition
(field_declaration declarator: (function_declarator declarator: (field_identifier) @definition.name)) @definition
