; `using A.B;`, `using static A.B.C;`, `using X = A.B.C;`.
(using_directive [(qualified_name) (identifier)] @import.source .) @import
; `X` of `using X = A.B.C;` stands for `C`.
(using_directive name: (identifier) @import.alias)
