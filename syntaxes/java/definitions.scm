; Types, methods, constructors and fields.
(class_declaration name: (identifier) @definition.name) @definition
(interface_declaration name: (identifier) @definition.name) @definition
(enum_declaration name: (identifier) @definition.name) @definition
(record_declaration name: (identifier) @definition.name) @definition
(method_declaration name: (identifier) @definition.name) @definition
(constructor_declaration name: (identifier) @definition.name) @definition
(field_declaration declarator: (variable_declarator name: (identifier) @definition.name)) @definition
