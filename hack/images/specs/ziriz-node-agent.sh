# ziriz-node-agent: the node agent (node-agent/Dockerfile builds the same image
# with a container engine): Node 24, the compiled agent, the BPF objects, the
# libbpf addon and the shared libraries it links (libbpf1, libelf1, zlib1g;
# mount/mountpoint of the base serve the init container).
source "$SPEC_DIR/ziriz-app.inc"
IMAGE_BASE=debian
ZIRIZ_MODULES=(prom-client)  # what its code imports (and their dependencies)
IMAGE_PACKAGES=(libbpf1 libelf1 zlib1g)
# Node flags and environment: node-agent/src/runtime.ts (why), kept equal by a unit test.
IMAGE_ENTRYPOINT=(/usr/local/bin/node --max-semi-space-size=2 --enable-source-maps /app/dist/node-agent/src/main.js)
IMAGE_CMD=(run)
IMAGE_ENV=(PATH=/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin NODE_ENV=production MALLOC_ARENA_MAX=2
  ZIRIZ_BPF_DIR=/app/bpf/build ZIRIZ_NATIVE_ADDON=/app/node-agent/native/build/Release/ziriz_bpf.node)
IMAGE_WORKDIR=/app
populate() {
  local o
  ziriz_need node-agent/native/build/Release/ziriz_bpf.node bpf/build/cgroup_connect4.bpf.o node-agent/gosym/build/ziriz-gosym
  ziriz_app "$1" core node-agent
  install -D -m0644 "$ZIRIZ_ROOT/node-agent/native/build/Release/ziriz_bpf.node" "$1/app/node-agent/native/build/Release/ziriz_bpf.node"
  install -D -m0755 "$ZIRIZ_ROOT/node-agent/gosym/build/ziriz-gosym" "$1/app/node-agent/gosym/build/ziriz-gosym"
  mkdir -p "$1/app/bpf/build"
  for o in "$ZIRIZ_ROOT"/bpf/build/*.bpf.o; do
    case "$(basename "$o")" in bench_*) continue ;; esac  # benchmark-only programs
    install -m0644 "$o" "$1/app/bpf/build/"
  done
}
