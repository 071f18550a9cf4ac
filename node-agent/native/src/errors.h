// Typed errors from libbpf calls: errno, the failing operation, and what
// libbpf printed while it ran (e.g. the verifier log). The TypeScript side
// (node-agent/src/bpf/errors.ts) turns them into BpfError subclasses by `op`.
#pragma once
#include <napi.h>
#include <string>

namespace ziriz {

// Install the libbpf print callback (captures messages into a bounded buffer).
void InstallLibbpfLog();

// Clear the captured libbpf output before an operation.
void ClearLibbpfLog();

// Throw a JS Error with .errno, .code ("EPERM"...), .op and .libbpfLog.
[[noreturn]] void ThrowBpf(const Napi::Env& env, const std::string& op, int err,
                           const std::string& detail = "");

// Throw for a libbpf call returning a negative errno (or NULL + errno).
inline int Check(const Napi::Env& env, const std::string& op, int ret,
                 const std::string& detail = "") {
  if (ret < 0) ThrowBpf(env, op, -ret, detail);
  return ret;
}

}  // namespace ziriz
