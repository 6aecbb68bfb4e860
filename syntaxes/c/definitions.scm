; Functions (definitions and prototypes), types, and macros.
(function_definition
  declarator: [
    (function_declarator declarator: (_) @definition.name)
    (pointer_declarator declarator: (function_declarator declarator: (_) @definition.name))
  ]) @definition
(translation_unit
  (declaration
    declarator: [
      (function_declarator declarator: (identifier) @definition.name)
      (pointer_declarator declarator: (function_declarator declarator: (identifier) @definition.name))
    ]) @definition)
(type_definition declarator: (type_identifier) @definition.name) @definition
(translation_unit (struct_specifier name: (type_identifier) @definition.name body: (_)) @definition)
(translation_unit (enum_specifier name: (type_identifier) @definition.name body: (_)) @definition)
(preproc_def name: (identifier) @definition.name) @definition
(preproc_function_def name: (identifier) @definition.name) @definition
