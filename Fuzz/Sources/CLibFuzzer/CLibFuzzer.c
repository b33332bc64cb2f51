// Declarations only: LLVMFuzzerRunDriver comes from compiler-rt's libFuzzer (-sanitize=fuzzer).
#include "CLibFuzzer.h"
