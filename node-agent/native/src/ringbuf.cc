#include "ringbuf.h"

#include <cerrno>
#include <cstring>

#include "errors.h"

namespace ziriz {
namespace {
constexpr int kBatchFull = -4242;  // sentinel returned by OnSample to stop consuming
}

void RingBuffer::Init(Napi::Env env, Napi::Object exports) {
  Napi::Function f = DefineClass(env, "RingBuffer",
                                 {
                                     InstanceMethod("start", &RingBuffer::Start),
                                     InstanceMethod("stop", &RingBuffer::Stop),
                                     InstanceMethod("consume", &RingBuffer::Consume),
                                     InstanceMethod("stats", &RingBuffer::Stats),
                                     InstanceMethod("close", &RingBuffer::Close),
                                 });
  exports.Set("RingBuffer", f);
}

// new RingBuffer(mapFd, callback(data, ends), maxRecords, maxBytes)
RingBuffer::RingBuffer(const Napi::CallbackInfo& info) : Napi::ObjectWrap<RingBuffer>(info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  callback_ = Napi::Persistent(info[1].As<Napi::Function>());
  if (info.Length() > 2 && info[2].IsNumber()) max_records_ = info[2].As<Napi::Number>().Uint32Value();
  if (info.Length() > 3 && info[3].IsNumber()) max_bytes_ = info[3].As<Napi::Number>().Uint32Value();
  env_ = env;
  ClearLibbpfLog();
  rb_ = ring_buffer__new(fd, &RingBuffer::OnSample, this, nullptr);
  if (!rb_) ThrowBpf(env, "ringbuf", errno, "ring_buffer__new");
  batch_.reserve(1u << 20);
  ends_.reserve(4096);
}

RingBuffer::~RingBuffer() {
  StopPoll();
  if (rb_) ring_buffer__free(rb_);
}

// Copy one record into the batch; stop this consume pass when the batch is full.
// libbpf has already advanced the consumer position past this record.
int RingBuffer::OnSample(void* ctx, void* data, size_t size) {
  auto* self = static_cast<RingBuffer*>(ctx);
  const auto* p = static_cast<const uint8_t*>(data);
  self->batch_.insert(self->batch_.end(), p, p + size);
  self->ends_.push_back(static_cast<uint32_t>(self->batch_.size()));
  if (self->ends_.size() >= self->max_records_ || self->batch_.size() >= self->max_bytes_) return kBatchFull;
  return 0;
}

void RingBuffer::Drain(const Napi::Env& env) {
  if (!rb_) return;
  int r = ring_buffer__consume(rb_);
  if (r < 0 && r != kBatchFull && r != -EINTR) {
    ends_.clear();
    batch_.clear();
    ThrowBpf(env, "ringbuf", -r, "consume");
  }
  Deliver(env);
}

void RingBuffer::Deliver(const Napi::Env& env) {
  if (ends_.empty()) return;
  Napi::Buffer<uint8_t> data = Napi::Buffer<uint8_t>::Copy(env, batch_.data(), batch_.size());
  Napi::Uint32Array ends = Napi::Uint32Array::New(env, ends_.size());
  memcpy(ends.Data(), ends_.data(), ends_.size() * sizeof(uint32_t));
  records_ += ends_.size();
  bytes_ += batch_.size();
  batches_++;
  batch_.clear();
  ends_.clear();
  callback_.MakeCallback(Value(), {data, ends});
}

void RingBuffer::OnPoll(uv_poll_t* handle, int status, int events) {
  auto* self = static_cast<RingBuffer*>(handle->data);
  if (!self || status < 0) return;
  self->wakeups_++;
  Napi::Env env(self->env_);
  Napi::HandleScope scope(env);
  try {
    self->Drain(env);
  } catch (const Napi::Error& e) {
    // Nothing can catch in a libuv callback: surface as an uncaught exception.
    napi_fatal_exception(self->env_, e.Value());
  }
}

Napi::Value RingBuffer::Start(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (poll_) return env.Undefined();
  if (!rb_) ThrowBpf(env, "ringbuf", EBADF, "closed");
  uv_loop_t* loop = nullptr;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok || !loop) ThrowBpf(env, "ringbuf", EINVAL, "no loop");
  poll_ = new uv_poll_t;
  int r = uv_poll_init(loop, poll_, ring_buffer__epoll_fd(rb_));
  if (r < 0) {
    delete poll_;
    poll_ = nullptr;
    ThrowBpf(env, "ringbuf", -r, "uv_poll_init");
  }
  poll_->data = this;
  r = uv_poll_start(poll_, UV_READABLE, &RingBuffer::OnPoll);
  if (r < 0) {
    StopPoll();
    ThrowBpf(env, "ringbuf", -r, "uv_poll_start");
  }
  Ref();  // stay alive while polling
  return env.Undefined();
}

void RingBuffer::StopPoll() {
  if (!poll_) return;
  uv_poll_stop(poll_);
  poll_->data = nullptr;
  uv_close(reinterpret_cast<uv_handle_t*>(poll_),
           [](uv_handle_t* h) { delete reinterpret_cast<uv_poll_t*>(h); });
  poll_ = nullptr;
}

Napi::Value RingBuffer::Stop(const Napi::CallbackInfo& info) {
  if (poll_) {
    StopPoll();
    Unref();
  }
  return info.Env().Undefined();
}

// consume(): drain synchronously now (one bounded batch), e.g. before shutdown.
Napi::Value RingBuffer::Consume(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  uint64_t before = records_;
  Drain(env);
  return Napi::Number::New(env, static_cast<double>(records_ - before));
}

Napi::Value RingBuffer::Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("records", static_cast<double>(records_));
  o.Set("bytes", static_cast<double>(bytes_));
  o.Set("batches", static_cast<double>(batches_));
  o.Set("wakeups", static_cast<double>(wakeups_));
  return o;
}

Napi::Value RingBuffer::Close(const Napi::CallbackInfo& info) {
  if (poll_) {
    StopPoll();
    Unref();
  }
  if (rb_) ring_buffer__free(rb_);
  rb_ = nullptr;
  return info.Env().Undefined();
}

}  // namespace ziriz
