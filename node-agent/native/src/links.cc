#include "links.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "errors.h"
#include "netns.h"

namespace ziriz {
namespace {

struct LinkInfo {
  int ifindex = 0;
  std::string name;
  int link = 0;          // IFLA_LINK: peer's ifindex (0: none)
  bool otherNs = false;  // IFLA_LINK_NETNSID present: the peer is in another namespace
};

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// A NETLINK_ROUTE socket created inside `path`'s namespace (it stays bound to it).
int RouteSocketIn(const Napi::Env& env, const std::string& path) {
  NetnsScope ns(env, path);
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) ThrowBpf(env, "netlink", errno, "socket");
  return fd;
}

void ParseLink(const nlmsghdr* h, std::vector<LinkInfo>& out) {
  const auto* ifi = static_cast<const ifinfomsg*>(NLMSG_DATA(h));
  LinkInfo li;
  li.ifindex = ifi->ifi_index;
  int len = static_cast<int>(h->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*ifi)));
  for (const rtattr* a = IFLA_RTA(ifi); RTA_OK(a, len); a = RTA_NEXT(a, len)) {
    if (a->rta_type == IFLA_IFNAME) {
      li.name.assign(static_cast<const char*>(RTA_DATA(a)), strnlen(static_cast<const char*>(RTA_DATA(a)), RTA_PAYLOAD(a)));
    } else if (a->rta_type == IFLA_LINK && RTA_PAYLOAD(a) >= sizeof(uint32_t)) {
      uint32_t v;
      memcpy(&v, RTA_DATA(a), sizeof v);
      li.link = static_cast<int>(v);
    } else if (a->rta_type == IFLA_LINK_NETNSID) {
      li.otherNs = true;
    }
  }
  out.push_back(li);
}

std::vector<LinkInfo> DumpLinks(const Napi::Env& env, int fd) {
  struct {
    nlmsghdr h;
    ifinfomsg ifi;
  } req{};
  req.h.nlmsg_len = NLMSG_LENGTH(sizeof(ifinfomsg));
  req.h.nlmsg_type = RTM_GETLINK;
  req.h.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.h.nlmsg_seq = 1;
  req.ifi.ifi_family = AF_UNSPEC;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &req, req.h.nlmsg_len, 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) {
    ThrowBpf(env, "netlink", errno, "send RTM_GETLINK");
  }
  std::vector<LinkInfo> out;
  std::vector<char> buf(32768);
  for (int rounds = 0; rounds < 4096; rounds++) {  // bounded: a namespace has far fewer links
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      ThrowBpf(env, "netlink", errno, "recv RTM_GETLINK");
    }
    int len = static_cast<int>(n);
    for (auto* h = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(h, len); h = NLMSG_NEXT(h, len)) {
      if (h->nlmsg_type == NLMSG_DONE) return out;
      if (h->nlmsg_type == NLMSG_ERROR) {
        const auto* e = static_cast<const nlmsgerr*>(NLMSG_DATA(h));
        ThrowBpf(env, "netlink", -e->error, "RTM_GETLINK");
      }
      if (h->nlmsg_type == RTM_NEWLINK) ParseLink(h, out);
    }
  }
  ThrowBpf(env, "netlink", EOVERFLOW, "RTM_GETLINK dump did not end");
}

// netnsLinks(path) -> [{ ifindex, name, link, otherNs }]; path is e.g. /proc/<pid>/ns/net.
Napi::Value NetnsLinks(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (!info[0].IsString()) ThrowBpf(env, "netlink", EINVAL, "netnsLinks(path): path must be a string");
  Fd fd(RouteSocketIn(env, info[0].As<Napi::String>().Utf8Value()));
  std::vector<LinkInfo> links = DumpLinks(env, fd.get());
  Napi::Array arr = Napi::Array::New(env, links.size());
  for (size_t i = 0; i < links.size(); i++) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("ifindex", links[i].ifindex);
    o.Set("name", links[i].name);
    o.Set("link", links[i].link);
    o.Set("otherNs", links[i].otherNs);
    arr.Set(static_cast<uint32_t>(i), o);
  }
  return arr;
}

}  // namespace

void InitLinks(Napi::Env env, Napi::Object exports) {
  exports.Set("netnsLinks", Napi::Function::New(env, NetnsLinks));
}

}  // namespace ziriz
