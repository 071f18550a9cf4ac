// BpfObject: one BPF ELF object through its lifecycle
// open -> configure (globals, autoload, map sizes) -> load -> attach -> close.
#pragma once
#include <bpf/libbpf.h>
#include <napi.h>

#include <map>
#include <string>
#include <vector>

namespace ziriz {

class BpfObject : public Napi::ObjectWrap<BpfObject> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit BpfObject(const Napi::CallbackInfo& info);
  ~BpfObject() override;

 private:
  struct bpf_object* Obj(const Napi::Env& env);
  struct bpf_program* Prog(const Napi::Env& env, const Napi::Value& name);
  struct bpf_map* Map(const Napi::Env& env, const Napi::Value& name);

  Napi::Value SetGlobal(const Napi::CallbackInfo& info);
  Napi::Value SetAutoload(const Napi::CallbackInfo& info);
  Napi::Value SetMapMaxEntries(const Napi::CallbackInfo& info);
  Napi::Value CaptureVerifierStats(const Napi::CallbackInfo& info);
  Napi::Value Load(const Napi::CallbackInfo& info);
  Napi::Value Programs(const Napi::CallbackInfo& info);
  Napi::Value Maps(const Napi::CallbackInfo& info);
  Napi::Value AttachUprobe(const Napi::CallbackInfo& info);
  Napi::Value AttachTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachRawTracepoint(const Napi::CallbackInfo& info);
  Napi::Value AttachCgroup(const Napi::CallbackInfo& info);
  Napi::Value AttachXdp(const Napi::CallbackInfo& info);
  Napi::Value AttachAuto(const Napi::CallbackInfo& info);
  Napi::Value PinProgram(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  struct bpf_object* obj_ = nullptr;
  bool loaded_ = false;
  // program name -> its verifier log buffer (log level BPF_LOG_STATS), when asked for
  std::map<std::string, std::vector<char>> logs_;
};

}  // namespace ziriz
