// Map operations by file descriptor (maps of a loaded object or re-opened pins),
// and bpffs object pins. Keys and values are Buffers; layouts live in TypeScript.
#pragma once
#include <napi.h>

namespace ziriz {
void InitMaps(Napi::Env env, Napi::Object exports);
}
