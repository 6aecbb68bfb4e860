; Enclosing scopes: functions, methods and classes with their body (see typescript/scopes.scm).
(function_declaration name: (identifier) @scope.name body: (statement_block) @scope.body) @scope
(generator_function_declaration name: (identifier) @scope.name body: (statement_block) @scope.body) @scope
(class_declaration name: (identifier) @scope.name body: (class_body) @scope.body) @scope
(method_definition name: (_) @scope.name body: (statement_block) @scope.body) @scope
(arrow_function body: (statement_block) @scope.body) @scope
(function_expression body: (statement_block) @scope.body) @scope
