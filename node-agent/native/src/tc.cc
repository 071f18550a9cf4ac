#include "tc.h"

#include <bpf/libbpf.h>
#include <fcntl.h>
#include <net/if.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"
#include "netns.h"

namespace ziriz {
namespace {

std::string OptStr(const Napi::Object& o, const char* k) {
  Napi::Value v = o.Get(k);
  return v.IsString() ? v.As<Napi::String>().Utf8Value() : "";
}
uint32_t OptU32(const Napi::Object& o, const char* k, uint32_t def) {
  Napi::Value v = o.Get(k);
  return v.IsNumber() ? v.As<Napi::Number>().Uint32Value() : def;
}

enum bpf_tc_attach_point Point(const Napi::Env& env, const std::string& p) {
  if (p == "ingress") return BPF_TC_INGRESS;
  if (p == "egress") return BPF_TC_EGRESS;
  ThrowBpf(env, "tc", EINVAL, "attach point must be ingress or egress: " + p);
}

// tcAttach({ ifindex, attachPoint, progFd, priority, handle, netns? })
//   -> { createdHook, priority, handle, progId }
Napi::Value TcAttach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  NetnsScope ns(env, OptStr(o, "netns"));
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(OptU32(o, "ifindex", 0)),
              .attach_point = Point(env, OptStr(o, "attachPoint")));
  ClearLibbpfLog();
  int r = bpf_tc_hook_create(&hook);
  bool created = r == 0;
  if (r < 0 && r != -EEXIST) ThrowBpf(env, "tc", -r, "create clsact");
  LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = static_cast<int>(OptU32(o, "progFd", 0)),
              .flags = BPF_TC_F_REPLACE, .handle = OptU32(o, "handle", 1),
              .priority = OptU32(o, "priority", 1));
  r = bpf_tc_attach(&hook, &opts);
  if (r < 0) {
    if (created) {
      hook.attach_point = static_cast<enum bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS);
      bpf_tc_hook_destroy(&hook);  // undo only what we did
    }
    ThrowBpf(env, "tc", -r, "attach filter");
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("createdHook", created);
  out.Set("priority", opts.priority);
  out.Set("handle", opts.handle);
  out.Set("progId", opts.prog_id);
  return out;
}

// The hook and filter named by { ifindex, attachPoint, priority, handle }.
struct FilterSpec {
  FilterSpec(const Napi::Env& env, const Napi::Object& o) {
    hook.sz = sizeof(hook);
    opts.sz = sizeof(opts);
    hook.ifindex = static_cast<int>(OptU32(o, "ifindex", 0));
    hook.attach_point = Point(env, OptStr(o, "attachPoint"));
    opts.handle = OptU32(o, "handle", 1);
    opts.priority = OptU32(o, "priority", 1);
  }
  struct bpf_tc_hook hook = {};
  struct bpf_tc_opts opts = {};
};

// tcDetach({ ifindex, attachPoint, priority, handle, netns? }) -> true if a filter was removed
Napi::Value TcDetach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  NetnsScope ns(env, OptStr(o, "netns"));
  FilterSpec f(env, o);
  ClearLibbpfLog();
  int r = bpf_tc_detach(&f.hook, &f.opts);
  if (r == -ENOENT || r == -ENODEV || r == -EINVAL) return Napi::Boolean::New(env, false);
  if (r < 0) ThrowBpf(env, "tc", -r, "detach filter");
  return Napi::Boolean::New(env, true);
}

// tcQuery({ ifindex, attachPoint, priority, handle, netns? }) -> prog id or null
Napi::Value TcQuery(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  NetnsScope ns(env, OptStr(o, "netns"));
  FilterSpec f(env, o);
  ClearLibbpfLog();
  int r = bpf_tc_query(&f.hook, &f.opts);
  if (r == -ENOENT || r == -EINVAL || r == -ENODEV) return env.Null();
  if (r < 0) ThrowBpf(env, "tc", -r, "query filter");
  return Napi::Number::New(env, f.opts.prog_id);
}

// tcHookDestroy({ ifindex, netns? }): remove the clsact qdisc (and every filter on it).
Napi::Value TcHookDestroy(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = info[0].As<Napi::Object>();
  NetnsScope ns(env, OptStr(o, "netns"));
  LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = static_cast<int>(OptU32(o, "ifindex", 0)),
              .attach_point = static_cast<enum bpf_tc_attach_point>(BPF_TC_INGRESS | BPF_TC_EGRESS));
  ClearLibbpfLog();
  int r = bpf_tc_hook_destroy(&hook);
  if (r < 0 && r != -ENOENT && r != -ENODEV && r != -EINVAL) ThrowBpf(env, "tc", -r, "destroy clsact");
  return env.Undefined();
}

// ifIndex(name, netns?) -> ifindex or 0 when absent
Napi::Value IfIndex(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = info[0].As<Napi::String>().Utf8Value();
  std::string netns = info.Length() > 1 && info[1].IsString() ? info[1].As<Napi::String>().Utf8Value() : "";
  NetnsScope ns(env, netns);
  return Napi::Number::New(env, if_nametoindex(name.c_str()));
}

}  // namespace

void InitTc(Napi::Env env, Napi::Object exports) {
  exports.Set("tcAttach", Napi::Function::New(env, TcAttach));
  exports.Set("tcDetach", Napi::Function::New(env, TcDetach));
  exports.Set("tcQuery", Napi::Function::New(env, TcQuery));
  exports.Set("tcHookDestroy", Napi::Function::New(env, TcHookDestroy));
  exports.Set("ifIndex", Napi::Function::New(env, IfIndex));
}

}  // namespace ziriz
