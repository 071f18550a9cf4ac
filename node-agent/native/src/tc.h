// TC (clsact) attach/detach through libbpf's netlink helpers, optionally inside
// another network namespace (entered for the call only, on this thread).
// Tearing down the clsact qdisc is a separate call the caller makes only if it
// created the qdisc: ziriz removes only what it created.
#pragma once
#include <napi.h>

namespace ziriz {
void InitTc(Napi::Env env, Napi::Object exports);
}
