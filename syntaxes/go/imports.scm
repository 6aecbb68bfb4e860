; Import specs: the package path and, where given, the local name.
(import_spec path: (interpreted_string_literal) @import.source) @import
(import_spec name: (package_identifier) @import.name)
