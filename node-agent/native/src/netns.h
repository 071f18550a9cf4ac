// Entering another network namespace for one call, on the calling thread only
// (setns(CLONE_NEWNET) is per thread), and coming back when the scope ends.
#pragma once
#include <fcntl.h>
#include <napi.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>
#include <string>

#include "errors.h"

namespace ziriz {

// Enter a network namespace for the lifetime of this object (this thread only).
class NetnsScope {
 public:
  NetnsScope(const Napi::Env& env, const std::string& path) {
    if (path.empty()) return;
    orig_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig_ < 0) ThrowBpf(env, "netns", errno, "open own netns");
    int target = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (target < 0) {
      int err = errno;
      close(orig_);
      ThrowBpf(env, "netns", err, path);
    }
    int r = setns(target, CLONE_NEWNET);
    int err = errno;
    close(target);
    if (r < 0) {
      close(orig_);
      ThrowBpf(env, "netns", err, "setns " + path);
    }
  }
  ~NetnsScope() {
    if (orig_ < 0) return;
    setns(orig_, CLONE_NEWNET);  // back to where we were; cannot fail for our own ns
    close(orig_);
  }
  NetnsScope(const NetnsScope&) = delete;
  NetnsScope& operator=(const NetnsScope&) = delete;

 private:
  int orig_ = -1;
};

}  // namespace ziriz
