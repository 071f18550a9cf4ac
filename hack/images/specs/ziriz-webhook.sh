# ziriz-webhook: the admission webhook (webhook/Dockerfile builds the same image
# with a container engine). Runs as any uid (the Deployment sets 65532) on a
# read-only root filesystem.
source "$SPEC_DIR/ziriz-app.inc"
IMAGE_BASE=debian
ZIRIZ_MODULES=(@kubernetes/client-node express node-forge prom-client)  # what its code imports (and their dependencies)
IMAGE_ENTRYPOINT=(/usr/local/bin/node --enable-source-maps /app/dist/webhook/src/main.js)
IMAGE_ENV=(PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production)
IMAGE_WORKDIR=/app
populate() {
  ziriz_app "$1" core webhook
}
