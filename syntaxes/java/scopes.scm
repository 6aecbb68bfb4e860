; Enclosing scopes: types, methods, constructors, lambdas with a block.
(class_declaration name: (identifier) @scope.name body: (class_body) @scope.body) @scope
(interface_declaration name: (identifier) @scope.name body: (interface_body) @scope.body) @scope
(enum_declaration name: (identifier) @scope.name body: (enum_body) @scope.body) @scope
(record_declaration name: (identifier) @scope.name body: (class_body) @scope.body) @scope
(method_declaration name: (identifier) @scope.name body: (block) @scope.body) @scope
(constructor_declaration name: (identifier) @scope.name body: (constructor_body) @scope.body) @scope
(lambda_expression body: (block) @scope.body) @scope
