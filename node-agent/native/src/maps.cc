#include "maps.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

#include "errors.h"

namespace ziriz {
namespace {

int Fd(const Napi::Value& v) { return v.As<Napi::Number>().Int32Value(); }
uint32_t U32(const Napi::Value& v) { return v.As<Napi::Number>().Uint32Value(); }
Napi::Buffer<uint8_t> Buf(const Napi::Value& v) { return v.As<Napi::Buffer<uint8_t>>(); }

// mapInfo(fd) -> { id, type, name, keySize, valueSize, maxEntries, flags }
Napi::Value MapInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_map_info mi = {};
  __u32 len = sizeof(mi);
  Check(env, "map", bpf_obj_get_info_by_fd(Fd(info[0]), &mi, &len), "info");
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", mi.id);
  const char* type = libbpf_bpf_map_type_str(static_cast<enum bpf_map_type>(mi.type));
  o.Set("type", type ? type : "unknown");
  o.Set("name", mi.name);
  o.Set("keySize", mi.key_size);
  o.Set("valueSize", mi.value_size);
  o.Set("maxEntries", mi.max_entries);
  o.Set("flags", mi.map_flags);
  return o;
}

// mapLookup(fd, key, valueSize) -> Buffer | null
Napi::Value MapLookup(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = Buf(info[1]);
  Napi::Buffer<uint8_t> value = Napi::Buffer<uint8_t>::New(env, U32(info[2]));
  int r = bpf_map_lookup_elem(Fd(info[0]), key.Data(), value.Data());
  if (r < 0 && errno == ENOENT) return env.Null();
  if (r < 0) ThrowBpf(env, "map", errno, "lookup");
  return value;
}

// mapUpdate(fd, key, value, flags)
Napi::Value MapUpdate(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = Buf(info[1]);
  auto value = Buf(info[2]);
  if (bpf_map_update_elem(Fd(info[0]), key.Data(), value.Data(), U32(info[3])) < 0)
    ThrowBpf(env, "map", errno, "update");
  return env.Undefined();
}

// mapDelete(fd, key) -> true if it existed
Napi::Value MapDelete(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto key = Buf(info[1]);
  if (bpf_map_delete_elem(Fd(info[0]), key.Data()) < 0) {
    if (errno == ENOENT) return Napi::Boolean::New(env, false);
    ThrowBpf(env, "map", errno, "delete");
  }
  return Napi::Boolean::New(env, true);
}

// mapNextKey(fd, key | null, keySize) -> Buffer | null at the end
Napi::Value MapNextKey(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Buffer<uint8_t> next = Napi::Buffer<uint8_t>::New(env, U32(info[2]));
  const void* cur = info[1].IsBuffer() ? Buf(info[1]).Data() : nullptr;
  if (bpf_map_get_next_key(Fd(info[0]), cur, next.Data()) < 0) {
    if (errno == ENOENT) return env.Null();
    ThrowBpf(env, "map", errno, "next key");
  }
  return next;
}

// mapLookupBatch(fd, keySize, valueSize, chunk) -> { keys, values, count }: the whole map,
// read in chunks with BPF_MAP_LOOKUP_BATCH. Throws ENOTSUP-like errno where the map
// type has no batch ops (the caller falls back to mapNextKey).
Napi::Value MapLookupBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int fd = Fd(info[0]);
  uint32_t ksz = U32(info[1]), vsz = U32(info[2]), chunk = U32(info[3]);
  if (chunk == 0) chunk = 256;
  std::vector<uint8_t> keys, values;
  std::vector<uint8_t> kbuf(static_cast<size_t>(ksz) * chunk), vbuf(static_cast<size_t>(vsz) * chunk);
  std::vector<uint8_t> in_batch(ksz < 8 ? 8 : ksz), out_batch(ksz < 8 ? 8 : ksz);
  bool first = true;
  uint32_t total = 0;
  for (;;) {
    __u32 count = chunk;
    int r = bpf_map_lookup_batch(fd, first ? nullptr : in_batch.data(), out_batch.data(),
                                 kbuf.data(), vbuf.data(), &count, nullptr);
    int err = r < 0 ? errno : 0;
    if (err == ENOSPC && chunk < (1u << 20)) {  // a hash bucket is larger than the chunk
      chunk *= 2;
      kbuf.resize(static_cast<size_t>(ksz) * chunk);
      vbuf.resize(static_cast<size_t>(vsz) * chunk);
      continue;
    }
    if (r < 0 && err != ENOENT) ThrowBpf(env, "map", err, "lookup batch");
    keys.insert(keys.end(), kbuf.begin(), kbuf.begin() + static_cast<size_t>(count) * ksz);
    values.insert(values.end(), vbuf.begin(), vbuf.begin() + static_cast<size_t>(count) * vsz);
    total += count;
    if (err == ENOENT) break;
    in_batch.swap(out_batch);
    first = false;
  }
  Napi::Object o = Napi::Object::New(env);
  o.Set("keys", Napi::Buffer<uint8_t>::Copy(env, keys.data(), keys.size()));
  o.Set("values", Napi::Buffer<uint8_t>::Copy(env, values.data(), values.size()));
  o.Set("count", total);
  return o;
}

// mapUpdateBatch(fd, keys, values, count, flags)
Napi::Value MapUpdateBatch(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  auto keys = Buf(info[1]);
  auto values = Buf(info[2]);
  __u32 count = U32(info[3]);
  LIBBPF_OPTS(bpf_map_batch_opts, opts, .elem_flags = U32(info[4]));
  if (bpf_map_update_batch(Fd(info[0]), keys.Data(), values.Data(), &count, &opts) < 0)
    ThrowBpf(env, "map", errno, "update batch (" + std::to_string(count) + " done)");
  return Napi::Number::New(env, count);
}

Napi::Value ObjGet(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>().Utf8Value();
  int fd = bpf_obj_get(path.c_str());
  if (fd < 0) ThrowBpf(env, "pin", errno, "open " + path);
  return Napi::Number::New(env, fd);
}

Napi::Value ObjPin(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string path = info[1].As<Napi::String>().Utf8Value();
  if (bpf_obj_pin(Fd(info[0]), path.c_str()) < 0) ThrowBpf(env, "pin", errno, path);
  return env.Undefined();
}

Napi::Value CloseFd(const Napi::CallbackInfo& info) {
  close(Fd(info[0]));
  return info.Env().Undefined();
}

// progInfo(fd) -> { id, type, name }
Napi::Value ProgInfo(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  struct bpf_prog_info pi = {};
  __u32 len = sizeof(pi);
  Check(env, "program", bpf_obj_get_info_by_fd(Fd(info[0]), &pi, &len), "info");
  Napi::Object o = Napi::Object::New(env);
  o.Set("id", pi.id);
  const char* type = libbpf_bpf_prog_type_str(static_cast<enum bpf_prog_type>(pi.type));
  o.Set("type", type ? type : "unknown");
  o.Set("name", pi.name);
  return o;
}

Napi::Value NumPossibleCpus(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  return Napi::Number::New(env, Check(env, "cpus", libbpf_num_possible_cpus()));
}

}  // namespace

void InitMaps(Napi::Env env, Napi::Object exports) {
  exports.Set("mapInfo", Napi::Function::New(env, MapInfo));
  exports.Set("mapLookup", Napi::Function::New(env, MapLookup));
  exports.Set("mapUpdate", Napi::Function::New(env, MapUpdate));
  exports.Set("mapDelete", Napi::Function::New(env, MapDelete));
  exports.Set("mapNextKey", Napi::Function::New(env, MapNextKey));
  exports.Set("mapLookupBatch", Napi::Function::New(env, MapLookupBatch));
  exports.Set("mapUpdateBatch", Napi::Function::New(env, MapUpdateBatch));
  exports.Set("objGet", Napi::Function::New(env, ObjGet));
  exports.Set("objPin", Napi::Function::New(env, ObjPin));
  exports.Set("closeFd", Napi::Function::New(env, CloseFd));
  exports.Set("progInfo", Napi::Function::New(env, ProgInfo));
  exports.Set("numPossibleCpus", Napi::Function::New(env, NumPossibleCpus));
}

}  // namespace ziriz
