; Enclosing scopes: functions, methods, function literals, struct and interface types.
(function_declaration name: (identifier) @scope.name body: (block) @scope.body) @scope
(method_declaration name: (field_identifier) @scope.name body: (block) @scope.body) @scope
(func_literal body: (block) @scope.body) @scope
(type_declaration (type_spec name: (type_identifier) @scope.name type: (struct_type (field_declaration_list) @scope.body))) @scope
