// The interfaces of a network namespace, read with one rtnetlink dump from a
// socket opened inside that namespace: for each, its index, name and, for a
// veth, the index of its peer (IFLA_LINK) and whether the peer lives in
// another namespace (IFLA_LINK_NETNSID). This is how the node agent finds a
// pod's host veth as soon as runc has joined the pod's namespace, without
// depending on the container having mounted its own /sys.
#pragma once
#include <napi.h>

namespace ziriz {
void InitLinks(Napi::Env env, Napi::Object exports);
}
