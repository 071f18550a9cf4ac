#include "object.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>

#include "errors.h"
#include "link.h"

namespace ziriz {
namespace {

std::string Str(const Napi::Value& v) { return v.As<Napi::String>().Utf8Value(); }

// Find a global variable in the object's BTF: which data section, offset, size.
bool FindGlobal(const struct btf* btf, const std::string& var, std::string* sec, __u32* off,
                __u32* size) {
  __u32 n = btf__type_cnt(btf);
  for (__u32 id = 1; id < n; id++) {
    const struct btf_type* t = btf__type_by_id(btf, id);
    if (!btf_is_datasec(t)) continue;
    const struct btf_var_secinfo* vs = btf_var_secinfos(t);
    for (__u16 i = 0; i < btf_vlen(t); i++, vs++) {
      const struct btf_type* vt = btf__type_by_id(btf, vs->type);
      if (var == btf__name_by_offset(btf, vt->name_off)) {
        *sec = btf__name_by_offset(btf, t->name_off);
        *off = vs->offset;
        *size = vs->size;
        return true;
      }
    }
  }
  return false;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

void BpfObject::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(
      env, "BpfObject",
      {
          InstanceMethod("setGlobal", &BpfObject::SetGlobal),
          InstanceMethod("setAutoload", &BpfObject::SetAutoload),
          InstanceMethod("setMapMaxEntries", &BpfObject::SetMapMaxEntries),
          InstanceMethod("captureVerifierStats", &BpfObject::CaptureVerifierStats),
          InstanceMethod("load", &BpfObject::Load),
          InstanceMethod("programs", &BpfObject::Programs),
          InstanceMethod("maps", &BpfObject::Maps),
          InstanceMethod("attachUprobe", &BpfObject::AttachUprobe),
          InstanceMethod("attachTracepoint", &BpfObject::AttachTracepoint),
          InstanceMethod("attachRawTracepoint", &BpfObject::AttachRawTracepoint),
          InstanceMethod("attachCgroup", &BpfObject::AttachCgroup),
          InstanceMethod("attachXdp", &BpfObject::AttachXdp),
          InstanceMethod("attach", &BpfObject::AttachAuto),
          InstanceMethod("pinProgram", &BpfObject::PinProgram),
          InstanceMethod("close", &BpfObject::Close),
      });
  exports.Set("BpfObject", f);
}

// new BpfObject(path, pinRoot | null)
BpfObject::BpfObject(const Napi::CallbackInfo& info) : Napi::ObjectWrap<BpfObject>(info) {
  Napi::Env env = info.Env();
  std::string path = Str(info[0]);
  std::string pin_root = info.Length() > 1 && info[1].IsString() ? Str(info[1]) : "";
  LIBBPF_OPTS(bpf_object_open_opts, opts);
  if (!pin_root.empty()) opts.pin_root_path = pin_root.c_str();
  ClearLibbpfLog();
  obj_ = bpf_object__open_file(path.c_str(), &opts);
  if (!obj_) ThrowBpf(env, "open", errno, path);
}

BpfObject::~BpfObject() {
  if (obj_) bpf_object__close(obj_);
}

struct bpf_object* BpfObject::Obj(const Napi::Env& env) {
  if (!obj_) ThrowBpf(env, "object", EBADF, "object is closed");
  return obj_;
}

struct bpf_program* BpfObject::Prog(const Napi::Env& env, const Napi::Value& name) {
  std::string n = Str(name);
  struct bpf_program* p = bpf_object__find_program_by_name(Obj(env), n.c_str());
  if (!p) ThrowBpf(env, "program", ENOENT, n);
  return p;
}

struct bpf_map* BpfObject::Map(const Napi::Env& env, const Napi::Value& name) {
  std::string n = Str(name);
  struct bpf_map* m = bpf_object__find_map_by_name(Obj(env), n.c_str());
  if (!m) ThrowBpf(env, "map", ENOENT, n);
  return m;
}

// setGlobal(varName, Buffer): write a const volatile / global before load.
Napi::Value BpfObject::SetGlobal(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string var = Str(info[0]);
  Napi::Buffer<uint8_t> value = info[1].As<Napi::Buffer<uint8_t>>();
  if (loaded_) ThrowBpf(env, "configure", EBUSY, "globals are set before load: " + var);
  const struct btf* btf = bpf_object__btf(Obj(env));
  std::string sec;
  __u32 off = 0, size = 0;
  if (!btf || !FindGlobal(btf, var, &sec, &off, &size)) ThrowBpf(env, "configure", ENOENT, var);
  if (value.Length() != size)
    ThrowBpf(env, "configure", EINVAL, var + " is " + std::to_string(size) + " bytes");
  struct bpf_map* m;
  bpf_object__for_each_map(m, obj_) {
    if (!bpf_map__is_internal(m) || !EndsWith(bpf_map__name(m), sec)) continue;
    size_t msize = 0;
    void* data = const_cast<void*>(bpf_map__initial_value(m, &msize));
    if (!data || off + size > msize) ThrowBpf(env, "configure", ERANGE, var);
    memcpy(static_cast<uint8_t*>(data) + off, value.Data(), size);
    return env.Undefined();
  }
  ThrowBpf(env, "configure", ENOENT, "section " + sec + " of " + var);
}

Napi::Value BpfObject::SetAutoload(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Check(env, "configure", bpf_program__set_autoload(Prog(env, info[0]), info[1].As<Napi::Boolean>()));
  return env.Undefined();
}

Napi::Value BpfObject::SetMapMaxEntries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint32_t n = info[1].As<Napi::Number>().Uint32Value();
  Check(env, "configure", bpf_map__set_max_entries(Map(env, info[0]), n));
  return env.Undefined();
}

// captureVerifierStats(): before load, ask the verifier for its statistics
// ("processed N insns ...", log level BPF_LOG_STATS) for every program, kept
// per program: the instruction count on kernels without verified_insns (< 5.16).
Napi::Value BpfObject::CaptureVerifierStats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (loaded_) ThrowBpf(env, "configure", EBUSY, "verifier statistics are asked for before load");
  struct bpf_program* p;
  bpf_object__for_each_program(p, Obj(env)) {
    std::vector<char>& buf = logs_[bpf_program__name(p)];
    buf.assign(64 * 1024, '\0');
    Check(env, "configure", bpf_program__set_log_buf(p, buf.data(), buf.size()));
    Check(env, "configure", bpf_program__set_log_level(p, 4 /* BPF_LOG_STATS */));
  }
  return env.Undefined();
}

Napi::Value BpfObject::Load(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  ClearLibbpfLog();
  Check(env, "load", bpf_object__load(Obj(env)));
  loaded_ = true;
  return env.Undefined();
}

Napi::Value BpfObject::Programs(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_program* p;
  uint32_t i = 0;
  bpf_object__for_each_program(p, Obj(env)) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_program__name(p));
    o.Set("section", bpf_program__section_name(p));
    const char* type = libbpf_bpf_prog_type_str(bpf_program__type(p));
    o.Set("type", type ? type : "unknown");
    o.Set("fd", bpf_program__fd(p));
    o.Set("autoload", bpf_program__autoload(p));
    // What the kernel says of the loaded program: verified_insns since 5.16 (0 before).
    struct bpf_prog_info pi;
    memset(&pi, 0, sizeof(pi));
    __u32 len = sizeof(pi);
    int fd = bpf_program__fd(p);
    bool have = fd >= 0 && bpf_obj_get_info_by_fd(fd, &pi, &len) == 0;
    o.Set("verifiedInsns", have ? pi.verified_insns : 0);
    o.Set("xlatedBytes", have ? pi.xlated_prog_len : 0);
    o.Set("jitedBytes", have ? pi.jited_prog_len : 0);
    auto log = logs_.find(bpf_program__name(p));
    o.Set("verifierLog", log == logs_.end() ? Napi::Value(env.Null())
                                            : Napi::Value(Napi::String::New(env, log->second.data())));
    out.Set(i++, o);
  }
  return out;
}

Napi::Value BpfObject::Maps(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array out = Napi::Array::New(env);
  struct bpf_map* m;
  uint32_t i = 0;
  bpf_object__for_each_map(m, Obj(env)) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", bpf_map__name(m));
    const char* type = libbpf_bpf_map_type_str(bpf_map__type(m));
    o.Set("type", type ? type : "unknown");
    o.Set("fd", bpf_map__fd(m));
    o.Set("keySize", bpf_map__key_size(m));
    o.Set("valueSize", bpf_map__value_size(m));
    o.Set("maxEntries", bpf_map__max_entries(m));
    o.Set("internal", bpf_map__is_internal(m));
    const char* pin = bpf_map__pin_path(m);
    o.Set("pinPath", pin ? Napi::Value(Napi::String::New(env, pin)) : env.Null());
    out.Set(i++, o);
  }
  return out;
}

// attachUprobe(prog, binary, symbol|null, offset, pid, retprobe)
Napi::Value BpfObject::AttachUprobe(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_program* p = Prog(env, info[0]);
  std::string binary = Str(info[1]);
  std::string symbol = info[2].IsString() ? Str(info[2]) : "";
  size_t offset = static_cast<size_t>(info[3].As<Napi::Number>().Int64Value());
  pid_t pid = info[4].As<Napi::Number>().Int32Value();
  LIBBPF_OPTS(bpf_uprobe_opts, opts);
  opts.retprobe = info[5].As<Napi::Boolean>();
  if (!symbol.empty()) opts.func_name = symbol.c_str();
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach_uprobe_opts(p, pid, binary.c_str(), offset, &opts);
  if (!l) ThrowBpf(env, "attach", errno, "uprobe " + binary + ":" + symbol);
  return Link::New(env, l);
}

Napi::Value BpfObject::AttachTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string cat = Str(info[1]), name = Str(info[2]);
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach_tracepoint(Prog(env, info[0]), cat.c_str(), name.c_str());
  if (!l) ThrowBpf(env, "attach", errno, "tracepoint " + cat + "/" + name);
  return Link::New(env, l);
}

Napi::Value BpfObject::AttachRawTracepoint(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string name = Str(info[1]);
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach_raw_tracepoint(Prog(env, info[0]), name.c_str());
  if (!l) ThrowBpf(env, "attach", errno, "raw_tracepoint " + name);
  return Link::New(env, l);
}

// attachCgroup(prog, cgroupDir): BPF link on a cgroup v2 directory.
Napi::Value BpfObject::AttachCgroup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_program* p = Prog(env, info[0]);
  std::string path = Str(info[1]);
  int fd = open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) ThrowBpf(env, "attach", errno, "open cgroup " + path);
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach_cgroup(p, fd);
  int err = errno;
  close(fd);
  if (!l) ThrowBpf(env, "attach", err, "cgroup " + path);
  return Link::New(env, l);
}

Napi::Value BpfObject::AttachXdp(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int ifindex = info[1].As<Napi::Number>().Int32Value();
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach_xdp(Prog(env, info[0]), ifindex);
  if (!l) ThrowBpf(env, "attach", errno, "xdp ifindex " + std::to_string(ifindex));
  return Link::New(env, l);
}

// attach(prog): attach as the section name says (lsm/, fentry/, tp_btf/, ...).
Napi::Value BpfObject::AttachAuto(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_program* p = Prog(env, info[0]);
  ClearLibbpfLog();
  struct bpf_link* l = bpf_program__attach(p);
  if (!l) ThrowBpf(env, "attach", errno, bpf_program__section_name(p));
  return Link::New(env, l);
}

Napi::Value BpfObject::PinProgram(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = Str(info[1]);
  ClearLibbpfLog();
  Check(env, "pin", bpf_program__pin(Prog(env, info[0]), path.c_str()), path);
  return env.Undefined();
}

Napi::Value BpfObject::Close(const Napi::CallbackInfo& info) {
  if (obj_) bpf_object__close(obj_);
  obj_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace ziriz
