; Items another module may refer to.
(function_item name: (identifier) @definition.name) @definition
(function_signature_item name: (identifier) @definition.name) @definition
(struct_item name: (type_identifier) @definition.name) @definition
(enum_item name: (type_identifier) @definition.name) @definition
(trait_item name: (type_identifier) @definition.name) @definition
(type_item name: (type_identifier) @definition.name) @definition
(const_item name: (identifier) @definition.name) @definition
(static_item name: (identifier) @definition.name) @definition
(macro_definition name: (identifier) @definition.name) @definition
