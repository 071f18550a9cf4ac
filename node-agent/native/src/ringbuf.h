// RingBuffer: consumes a BPF ring buffer on the Node.js event loop. libuv polls
// the ring's epoll fd; when readable, records are copied into one batch and
// handed to JS as (data: Buffer, ends: Uint32Array). A batch is bounded in
// records and bytes, so a producer that never stops cannot block the loop: the
// rest is read on the next loop iteration (the poll is level-triggered).
#pragma once
#include <bpf/libbpf.h>
#include <napi.h>
#include <uv.h>

#include <cstdint>
#include <vector>

namespace ziriz {

class RingBuffer : public Napi::ObjectWrap<RingBuffer> {
 public:
  static void Init(Napi::Env env, Napi::Object exports);
  explicit RingBuffer(const Napi::CallbackInfo& info);
  ~RingBuffer() override;

 private:
  static int OnSample(void* ctx, void* data, size_t size);
  static void OnPoll(uv_poll_t* handle, int status, int events);
  void Drain(const Napi::Env& env);
  void Deliver(const Napi::Env& env);
  void StopPoll();

  Napi::Value Start(const Napi::CallbackInfo& info);
  Napi::Value Stop(const Napi::CallbackInfo& info);
  Napi::Value Consume(const Napi::CallbackInfo& info);
  Napi::Value Stats(const Napi::CallbackInfo& info);
  Napi::Value Close(const Napi::CallbackInfo& info);

  struct ring_buffer* rb_ = nullptr;
  uv_poll_t* poll_ = nullptr;
  Napi::FunctionReference callback_;
  napi_env env_ = nullptr;
  std::vector<uint8_t> batch_;
  std::vector<uint32_t> ends_;
  uint32_t max_records_ = 65536;
  uint32_t max_bytes_ = 8u << 20;
  uint64_t records_ = 0, bytes_ = 0, batches_ = 0, wakeups_ = 0;
};

}  // namespace ziriz
