// Only the declaration in include/CLibFuzzer.h matters: libFuzzer itself comes with
// -sanitize=fuzzer. SwiftPM wants one source file in a C target.
#include "CLibFuzzer.h"
