# go-mcp: the official Go MCP SDK as an MCP client and server
# (test/apps/go-mcp), built twice: /usr/local/bin/go-mcp (with its symbol
# table) and /usr/local/bin/go-mcp-stripped (-s -w: only .gopclntab names
# its functions). Both are static (CGO_ENABLED=0: Go's own crypto/tls and
# system calls, no libc, no libssl); the Debian base only gives tests a shell
# and cat. The main process idles; tests run the client with kubectl exec.
IMAGE_BASE=debian
IMAGE_ENTRYPOINT=(/usr/local/bin/go-mcp)
IMAGE_CMD=(idle)
populate() {
  local go=go src="$ZIRIZ_ROOT/test/apps/go-mcp"
  [ -x /usr/local/go/bin/go ] && go=/usr/local/go/bin/go
  command -v "$go" >/dev/null || die "go-mcp: no Go toolchain (hack/setup installs it)"
  mkdir -p "$1/usr/local/bin"
  # -trimpath -buildvcs=false: the same sources give the same bytes (the image's tag).
  (cd "$src" && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" build -trimpath -buildvcs=false -o "$1/usr/local/bin/go-mcp" . \
    && CGO_ENABLED=0 GOFLAGS=-mod=mod GOTOOLCHAIN=local "$go" build -trimpath -buildvcs=false -ldflags='-s -w' -o "$1/usr/local/bin/go-mcp-stripped" .)
}
