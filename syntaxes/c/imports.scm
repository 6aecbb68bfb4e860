; `#include "x.h"` and `#include <x.h>`.
(preproc_include path: (_) @import.source) @import
