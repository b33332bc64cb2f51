#ifndef TRINOCULAR_CLIBFUZZER_H
#define TRINOCULAR_CLIBFUZZER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's driver (compiler-rt), for a program whose main() is its own: SwiftPM names
/// an executable's entry point <Module>_main on Linux, so libFuzzer's main() cannot be used.
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
