; inherits: c
; `using a::b;` brings a name into scope.
(using_declaration (qualified_identifier) @import.source) @import
