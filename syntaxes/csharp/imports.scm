; `using A.B;`, `using static A.B;`, `using X = A.B;`.
(using_directive [(qualified_name) (identifier)] @import.source .) @import
(using_directive name: (identifier) @import.name)
