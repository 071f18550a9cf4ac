// Real-time priority for the event-loop thread while it waits for events.
//
// A call held by a probe is a stopped process waiting for this thread to
// judge it, so the thread must get a CPU the moment the kernel wakes it and
// keep it until the call is resumed. A nice value is not enough on EEVDF: a
// woken task does not always preempt a running one before its slice ends
// (hold p99 1.4-1.9 ms measured with nice -10; 0.45-0.7 ms with SCHED_FIFO).
// Running the whole agent real-time would also make its bulk work (reconciles,
// watch decoding) preempt the node's workloads, so the thread is SCHED_FIFO
// only from libuv's prepare phase (right before it blocks in epoll) to its
// check phase (after the I/O callbacks of that wake-up), and SCHED_OTHER with
// its nice value kept for timers and everything they start. Threads and
// processes created meanwhile never inherit it (SCHED_RESET_ON_FORK). If the
// kernel refuses (no CAP_SYS_NICE, or real-time group scheduling without a
// budget for our cgroup), the handles stop and the errno is kept for status.
#include "realtime.h"

#include <sched.h>
#include <uv.h>

#include <cerrno>

#include "errors.h"

namespace ziriz {
namespace {

struct State {
  uv_prepare_t prepare;
  uv_check_t check;
  bool initialised = false;
  bool active = false;
  int priority = 0;
  int lastErrno = 0;
  double waits = 0;
};

State g;

int SetPolicy(int policy, int priority) {
  sched_param p{};
  p.sched_priority = priority;
  return sched_setscheduler(0, policy | SCHED_RESET_ON_FORK, &p) == 0 ? 0 : errno;
}

void StopHandles() {
  if (!g.active) return;
  uv_prepare_stop(&g.prepare);
  uv_check_stop(&g.check);
  SetPolicy(SCHED_OTHER, 0);
  g.active = false;
}

void OnPrepare(uv_prepare_t*) {
  int err = SetPolicy(SCHED_FIFO, g.priority);
  if (err != 0) {
    g.lastErrno = err;
    StopHandles();
    return;
  }
  g.waits++;
}

void OnCheck(uv_check_t*) { SetPolicy(SCHED_OTHER, 0); }

void Cleanup(void*) {
  StopHandles();
  if (!g.initialised) return;
  uv_close(reinterpret_cast<uv_handle_t*>(&g.prepare), nullptr);
  uv_close(reinterpret_cast<uv_handle_t*>(&g.check), nullptr);
  g.initialised = false;
}

Napi::Value WhileWaiting(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int priority = info[0].As<Napi::Number>().Int32Value();
  int lo = sched_get_priority_min(SCHED_FIFO);
  int hi = sched_get_priority_max(SCHED_FIFO);
  if (priority < lo || priority > hi) ThrowBpf(env, "sched", EINVAL, "real-time priority out of range");
  // Try once now, so a refusal is an error at start-up rather than a silent fallback.
  int err = SetPolicy(SCHED_FIFO, priority);
  if (err == 0) err = SetPolicy(SCHED_OTHER, 0);
  if (err != 0) {
    g.lastErrno = err;
    ThrowBpf(env, "sched", err, "sched_setscheduler(SCHED_FIFO)");
  }
  if (!g.initialised) {
    uv_loop_t* loop = nullptr;
    if (napi_get_uv_event_loop(env, &loop) != napi_ok || loop == nullptr) ThrowBpf(env, "sched", EINVAL, "no event loop");
    uv_prepare_init(loop, &g.prepare);
    uv_check_init(loop, &g.check);
    uv_unref(reinterpret_cast<uv_handle_t*>(&g.prepare));  // never keeps the process alive
    uv_unref(reinterpret_cast<uv_handle_t*>(&g.check));
    g.initialised = true;
    napi_add_env_cleanup_hook(env, Cleanup, nullptr);
  }
  g.priority = priority;
  g.lastErrno = 0;
  if (!g.active) {
    uv_prepare_start(&g.prepare, OnPrepare);
    uv_check_start(&g.check, OnCheck);
    g.active = true;
  }
  return env.Undefined();
}

Napi::Value Stop(const Napi::CallbackInfo& info) {
  StopHandles();
  return info.Env().Undefined();
}

Napi::Value Status(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object o = Napi::Object::New(env);
  o.Set("active", g.active);
  o.Set("priority", g.priority);
  o.Set("errno", g.lastErrno);
  o.Set("waits", g.waits);
  return o;
}

}  // namespace

void InitRealtime(Napi::Env env, Napi::Object exports) {
  exports.Set("realtimeWhileWaiting", Napi::Function::New(env, WhileWaiting));
  exports.Set("realtimeStop", Napi::Function::New(env, Stop));
  exports.Set("realtimeStatus", Napi::Function::New(env, Status));
}

}  // namespace ziriz
