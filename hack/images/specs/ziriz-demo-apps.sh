# ziriz-demo-apps: the demo's workloads (hack/apps): customer-mcp (MCP server
# with the official SDK, a REST API and an A2A endpoint, over HTTPS) and
# agent-client (an AI agent's MCP/HTTP/A2A client driven by JSON lines).
# Node's own OpenSSL is what the node agent's SSL_write uprobes attach to.
source "$SPEC_DIR/ziriz-app.inc"
IMAGE_BASE=debian
ZIRIZ_MODULES=(@modelcontextprotocol/sdk zod ws)  # what its code imports (and their dependencies)
IMAGE_ENTRYPOINT=(/usr/local/bin/node)
IMAGE_CMD=(/app/dist/hack/apps/customer-mcp.js)
IMAGE_ENV=(PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production)
IMAGE_WORKDIR=/app
populate() {
  ziriz_app "$1" hack/apps
}
