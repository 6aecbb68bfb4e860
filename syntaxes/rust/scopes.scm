; Enclosing scopes: functions, impls, traits, modules, structs, enums, closures with a block.
(function_item name: (identifier) @scope.name body: (block) @scope.body) @scope
(impl_item type: (_) @scope.name body: (declaration_list) @scope.body) @scope
(trait_item name: (type_identifier) @scope.name body: (declaration_list) @scope.body) @scope
(mod_item name: (identifier) @scope.name body: (declaration_list) @scope.body) @scope
(struct_item name: (type_identifier) @scope.name body: (field_declaration_list) @scope.body) @scope
(enum_item name: (type_identifier) @scope.name body: (enum_variant_list) @scope.body) @scope
(closure_expression body: (block) @scope.body) @scope
