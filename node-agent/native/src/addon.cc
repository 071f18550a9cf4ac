// ziriz_bpf: a thin N-API layer over libbpf. Policy and logic live in
// TypeScript and BPF; this file only registers the pieces.
#include <bpf/libbpf.h>
#include <malloc.h>
#include <napi.h>

#include <string>

#include "errors.h"
#include "link.h"
#include "maps.h"
#include "object.h"
#include "ringbuf.h"
#include "tc.h"
#include "links.h"
#include "realtime.h"

namespace {

Napi::Value LibbpfVersion(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), libbpf_version_string());
}

// Give the C heap's free pages back to the system (glibc malloc_trim): libbpf
// frees the kernel BTF it parsed for every object, and small buffers come and
// go each reconcile; without this the freed memory stays in the process RSS.
Napi::Value MallocTrim(const Napi::CallbackInfo& info) {
  return Napi::Boolean::New(info.Env(), malloc_trim(0) != 0);
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  ziriz::InstallLibbpfLog();
  ziriz::BpfObject::Init(env, exports);
  ziriz::Link::Init(env, exports);
  ziriz::RingBuffer::Init(env, exports);
  ziriz::InitMaps(env, exports);
  ziriz::InitTc(env, exports);
  ziriz::InitLinks(env, exports);
  ziriz::InitRealtime(env, exports);
  exports.Set("libbpfVersion", Napi::Function::New(env, LibbpfVersion));
  exports.Set("mallocTrim", Napi::Function::New(env, MallocTrim));
  return exports;
}

}  // namespace

NODE_API_MODULE(ziriz_bpf, Init)
