// Link: an attached program (bpf_link). Destroying it detaches, unless it is
// pinned in bpffs, in which case the kernel keeps it until the pin is removed.
#pragma once
#include <bpf/libbpf.h>
#include <napi.h>

namespace ziriz {

class Link : public Napi::ObjectWrap<Link> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  static Napi::Object New(Napi::Env env, struct bpf_link* link);
  explicit Link(const Napi::CallbackInfo& info);
  ~Link() override;

 private:
  struct bpf_link* Get(const Napi::Env& env);
  Napi::Value Pin(const Napi::CallbackInfo& info);
  Napi::Value Unpin(const Napi::CallbackInfo& info);
  Napi::Value Fd(const Napi::CallbackInfo& info);
  Napi::Value Detach(const Napi::CallbackInfo& info);
  Napi::Value Destroy(const Napi::CallbackInfo& info);
  Napi::Value DestroyAsync(const Napi::CallbackInfo& info);

  static Napi::FunctionReference ctor_;
  struct bpf_link* link_ = nullptr;
};

}  // namespace ziriz
