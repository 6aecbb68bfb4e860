; Enclosing scopes: namespaces, types, methods, constructors, local functions, lambdas with a block.
(namespace_declaration name: (_) @scope.name body: (declaration_list) @scope.body) @scope
(class_declaration name: (identifier) @scope.name body: (declaration_list) @scope.body) @scope
(interface_declaration name: (identifier) @scope.name body: (declaration_list) @scope.body) @scope
(struct_declaration name: (identifier) @scope.name body: (declaration_list) @scope.body) @scope
(record_declaration name: (identifier) @scope.name body: (declaration_list) @scope.body) @scope
(enum_declaration name: (identifier) @scope.name body: (enum_member_declaration_list) @scope.body) @scope
(method_declaration name: (identifier) @scope.name body: (block) @scope.body) @scope
(constructor_declaration name: (identifier) @scope.name body: (block) @scope.body) @scope
(local_function_statement name: (identifier) @scope.name body: (block) @scope.body) @scope
(lambda_expression body: (block) @scope.body) @scope
