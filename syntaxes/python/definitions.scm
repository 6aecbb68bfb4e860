; Functions, classes and module-level assignments.
(function_definition name: (identifier) @definition.name) @definition
(class_definition name: (identifier) @definition.name) @definition
(module (expression_statement (assignment left: (identifier) @definition.name)) @definition)
