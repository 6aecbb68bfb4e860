; Enclosing scopes: functions, methods, classes and the like, with their body. The signature shown
; to the model is the scope's text from the start of its first line up to the body.
(function_declaration name: (identifier) @scope.name body: (statement_block) @scope.body) @scope
(generator_function_declaration name: (identifier) @scope.name body: (statement_block) @scope.body) @scope
(class_declaration name: (type_identifier) @scope.name body: (class_body) @scope.body) @scope
(abstract_class_declaration name: (type_identifier) @scope.name body: (class_body) @scope.body) @scope
(interface_declaration name: (type_identifier) @scope.name body: (interface_body) @scope.body) @scope
(enum_declaration name: (identifier) @scope.name body: (enum_body) @scope.body) @scope
(internal_module name: (_) @scope.name body: (statement_block) @scope.body) @scope
(method_definition name: (_) @scope.name body: (statement_block) @scope.body) @scope
; Anonymous functions with a block body: callbacks, `const f = () => {`.
(arrow_function body: (statement_block) @scope.body) @scope
(function_expression body: (statement_block) @scope.body) @scope
