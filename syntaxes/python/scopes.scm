; Enclosing scopes: functions, methods and classes; the signature is everything before the body.
(function_definition name: (identifier) @scope.name body: (block) @scope.body) @scope
(class_definition name: (identifier) @scope.name body: (block) @scope.body) @scope
