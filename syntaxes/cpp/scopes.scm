; inherits: c
; C++ adds classes, namespaces, methods (inline and `A::f`) and lambdas.
(class_specifier name: (_) @scope.name body: (field_declaration_list) @scope.body) @scope
(namespace_definition name: (_) @scope.name body: (declaration_list) @scope.body) @scope
(function_definition
  declarator: (reference_declarator (function_declarator declarator: (_) @scope.name))
  body: (compound_statement) @scope.body) @scope
(lambda_expression body: (compound_statement) @scope.body) @scope
