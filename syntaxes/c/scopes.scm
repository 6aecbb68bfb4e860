; Enclosing scopes: function definitions (also returning pointers), structs, unions, enums.
(function_definition
  declarator: [
    (function_declarator declarator: (_) @scope.name)
    (pointer_declarator declarator: (function_declarator declarator: (_) @scope.name))
  ]
  body: (compound_statement) @scope.body) @scope
(struct_specifier name: (type_identifier) @scope.name body: (field_declaration_list) @scope.body) @scope
(union_specifier name: (type_identifier) @scope.name body: (field_declaration_list) @scope.body) @scope
(enum_specifier name: (type_identifier) @scope.name body: (enumerator_list) @scope.body) @scope
