#include "link.h"

#include <cerrno>
#include <string>

#include "errors.h"

namespace ziriz {

Napi::FunctionReference Link::ctor_;

void Link::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "Link",
                                 {
                                     InstanceMethod("pin", &Link::Pin),
                                     InstanceMethod("unpin", &Link::Unpin),
                                     InstanceMethod("fd", &Link::Fd),
                                     InstanceMethod("detach", &Link::Detach),
                                     InstanceMethod("destroy", &Link::Destroy),
                                     InstanceMethod("destroyAsync", &Link::DestroyAsync),
                                 });
  ctor_ = Napi::Persistent(f);
  ctor_.SuppressDestruct();
  exports.Set("Link", f);
}

// Wrap a bpf_link created by an attach call.
Napi::Object Link::New(Napi::Env env, struct bpf_link* link) {
  Napi::Object o = ctor_.New({Napi::External<struct bpf_link>::New(env, link)});
  return o;
}

// new Link(External<bpf_link>) from attach calls, or new Link(pinPath) to re-open a pin.
Link::Link(const Napi::CallbackInfo& info) : Napi::ObjectWrap<Link>(info) {
  Napi::Env env = info.Env();
  if (info[0].IsExternal()) {
    link_ = info[0].As<Napi::External<struct bpf_link>>().Data();
    return;
  }
  std::string path = info[0].As<Napi::String>().Utf8Value();
  ClearLibbpfLog();
  link_ = bpf_link__open(path.c_str());
  if (!link_) ThrowBpf(env, "pin", errno, "open link " + path);
}

Link::~Link() {
  // A link still owned at GC time is closed; pinned links survive this.
  if (link_) bpf_link__destroy(link_);
}

struct bpf_link* Link::Get(const Napi::Env& env) {
  if (!link_) ThrowBpf(env, "link", EBADF, "link is destroyed");
  return link_;
}

Napi::Value Link::Pin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  ClearLibbpfLog();
  Check(env, "pin", bpf_link__pin(Get(env), path.c_str()), path);
  return env.Undefined();
}

Napi::Value Link::Unpin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ClearLibbpfLog();
  Check(env, "pin", bpf_link__unpin(Get(env)), "unpin");
  return env.Undefined();
}

Napi::Value Link::Fd(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, bpf_link__fd(Get(env)));
}

// Detach from the hook now, even if pinned (the pin then refers to a defunct link).
Napi::Value Link::Detach(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ClearLibbpfLog();
  Check(env, "detach", bpf_link__detach(Get(env)));
  return env.Undefined();
}

// Close our handle: detaches unless pinned.
Napi::Value Link::Destroy(const Napi::CallbackInfo& info) {
  if (link_) bpf_link__destroy(link_);
  link_ = nullptr;
  return info.Env().Undefined();
}

namespace {

// Closing a uprobe link waits for the kernel to quiesce (~100 ms here): do it
// on the libuv thread pool, never on the event loop.
class DestroyWorker : public Napi::AsyncWorker {
 public:
  DestroyWorker(Napi::Env env, struct bpf_link* link)
      : Napi::AsyncWorker(env), link_(link), deferred_(Napi::Promise::Deferred::New(env)) {}
  void Execute() override { bpf_link__destroy(link_); }
  void OnOK() override { deferred_.Resolve(Env().Undefined()); }
  Napi::Promise Promise() { return deferred_.Promise(); }

 private:
  struct bpf_link* link_;
  Napi::Promise::Deferred deferred_;
};

}  // namespace

// destroyAsync(): like destroy(), off the event loop; resolves when closed.
Napi::Value Link::DestroyAsync(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!link_) {
    auto d = Napi::Promise::Deferred::New(env);
    d.Resolve(env.Undefined());
    return d.Promise();
  }
  auto* w = new DestroyWorker(env, link_);
  link_ = nullptr;
  Napi::Promise p = w->Promise();
  w->Queue();
  return p;
}

}  // namespace ziriz
