#pragma once
#include <napi.h>

namespace ziriz {

// realtimeWhileWaiting(priority), realtimeStop(), realtimeStatus().
void InitRealtime(Napi::Env env, Napi::Object exports);

}  // namespace ziriz
