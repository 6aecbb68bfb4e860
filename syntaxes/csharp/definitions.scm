; Types, methods, constructors, properties, delegates.
(class_declaration name: (identifier) @definition.name) @definition
(interface_declaration name: (identifier) @definition.name) @definition
(struct_declaration name: (identifier) @definition.name) @definition
(record_declaration name: (identifier) @definition.name) @definition
(enum_declaration name: (identifier) @definition.name) @definition
(delegate_declaration name: (identifier) @definition.name) @definition
(method_declaration name: (identifier) @definition.name) @definition
(constructor_declaration name: (identifier) @definition.name) @definition
(property_declaration name: (identifier) @definition.name) @definition
