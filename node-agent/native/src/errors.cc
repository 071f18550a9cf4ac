#include "errors.h"

#include <bpf/libbpf.h>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace ziriz {
namespace {

constexpr size_t kLogCap = 64 * 1024;  // keep the tail: verifier logs can be long
std::string g_log;
bool g_echo = false;

int LibbpfPrint(enum libbpf_print_level level, const char* fmt, va_list args) {
  if (level == LIBBPF_DEBUG && !g_echo) return 0;
  // One message can be a whole verifier log: size it first, keep the tail.
  va_list copy;
  va_copy(copy, args);
  int n = vsnprintf(nullptr, 0, fmt, copy);
  va_end(copy);
  if (n <= 0) return n;
  std::string msg(static_cast<size_t>(n) + 1, '\0');
  vsnprintf(msg.data(), msg.size(), fmt, args);
  msg.resize(static_cast<size_t>(n));
  g_log += msg;
  if (g_log.size() > kLogCap) g_log.erase(0, g_log.size() - kLogCap);
  if (g_echo) fputs(msg.c_str(), stderr);
  return n;
}

const char* ErrnoName(int err) {
  switch (err) {
    case EPERM: return "EPERM";
    case ENOENT: return "ENOENT";
    case ESRCH: return "ESRCH";
    case EINTR: return "EINTR";
    case EIO: return "EIO";
    case E2BIG: return "E2BIG";
    case EBADF: return "EBADF";
    case EAGAIN: return "EAGAIN";
    case ENOMEM: return "ENOMEM";
    case EACCES: return "EACCES";
    case EFAULT: return "EFAULT";
    case EBUSY: return "EBUSY";
    case EEXIST: return "EEXIST";
    case ENODEV: return "ENODEV";
    case ENOTDIR: return "ENOTDIR";
    case EINVAL: return "EINVAL";
    case ENOSPC: return "ENOSPC";
    case ERANGE: return "ERANGE";
    case ENOSYS: return "ENOSYS";
    case ENOTSUP: return "ENOTSUP";
    case ENOTEMPTY: return "ENOTEMPTY";
    case ELOOP: return "ELOOP";
    case ESTALE: return "ESTALE";
    default: return "EUNKNOWN";
  }
}

}  // namespace

void InstallLibbpfLog() {
  const char* echo = getenv("ZIRIZ_LIBBPF_DEBUG");
  g_echo = echo != nullptr && echo[0] == '1';
  libbpf_set_print(LibbpfPrint);
}

void ClearLibbpfLog() { g_log.clear(); }

void ThrowBpf(const Napi::Env& env, const std::string& op, int err, const std::string& detail) {
  std::string msg = op;
  if (!detail.empty()) msg += " (" + detail + ")";
  msg += ": " + std::string(strerror(err)) + " [" + ErrnoName(err) + "]";
  Napi::Error e = Napi::Error::New(env, msg);
  e.Set("errno", Napi::Number::New(env, err));
  e.Set("code", Napi::String::New(env, ErrnoName(err)));
  e.Set("op", Napi::String::New(env, op));
  e.Set("libbpfLog", Napi::String::New(env, g_log));
  throw e;
}

}  // namespace ziriz
