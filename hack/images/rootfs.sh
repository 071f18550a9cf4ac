# Debian root filesystems for image layers: a debootstrap minbase of bookworm, and
# a layer of extra Debian packages downloaded on the host and installed offline
# (dpkg inside a chroot with no network). Sourced by hack/images/build.

DEBIAN_SUITE=bookworm

# debian_mirror: the Debian mirror this host's apt already uses (never hard-coded).
debian_mirror() {
  local m=""
  if [ -f /etc/apt/sources.list.d/debian.sources ]; then
    m="$(awk '/^URIs:/ { print $2; exit }' /etc/apt/sources.list.d/debian.sources)"
  fi
  if [ -z "$m" ] && [ -f /etc/apt/sources.list ]; then
    m="$(awk '$1 == "deb" && $3 == "'"$DEBIAN_SUITE"'" { print $2; exit }' /etc/apt/sources.list)"
  fi
  [ -n "$m" ] || die "no Debian mirror found in /etc/apt/sources.list{,.d/debian.sources}"
  echo "$m"
}

# trim_rootfs DIR: drop what containers never need (docs, man pages, locales, apt caches).
trim_rootfs() {
  rm -rf "$1"/usr/share/doc/* "$1"/usr/share/man/* "$1"/usr/share/info/* \
    "$1"/usr/share/locale/* "$1"/var/cache/apt/archives/*.deb "$1"/var/cache/apt/*.bin \
    "$1"/var/lib/apt/lists/* "$1"/var/log/* "$1"/tmp/* "$1"/var/cache/debconf/*-old
}

# debian_rootfs DIR: debootstrap --variant=minbase into DIR (cached: done once per DIR).
debian_rootfs() {
  local dir="$1"
  [ -f "$dir/.ziriz-complete" ] && return 0
  command -v debootstrap >/dev/null || die "debootstrap is missing (apt-get install debootstrap)"
  rm -rf "$dir"; mkdir -p "$(dirname "$dir")"
  log "debootstrap --variant=minbase $DEBIAN_SUITE (about a minute the first time)"
  debootstrap --variant=minbase "$DEBIAN_SUITE" "$dir" "$(debian_mirror)" >"$dir.log" 2>&1 \
    || { tail -20 "$dir.log" >&2; die "debootstrap failed (log: $dir.log)"; }
  trim_rootfs "$dir"
  touch "$dir/.ziriz-complete"
}

# download_debs ROOTFS DEBDIR PKG...: download PKG and the dependencies ROOTFS lacks,
# resolved by the host's apt against ROOTFS's dpkg status (network on the host only).
download_debs() {
  local rootfs="$1" debs="$2"; shift 2
  mkdir -p "$debs/partial"
  local apt=(apt-get -qq -o Dir::State::status="$rootfs/var/lib/dpkg/status" -o Dir::Cache::archives="$debs"
    -o Debug::NoLocking=1 -o APT::Sandbox::User=root -o APT::Install-Recommends=false --download-only -y install "$@")
  # Stale package lists (a mirror moved on) are refreshed once.
  "${apt[@]}" >/dev/null 2>&1 || { apt-get update -qq && "${apt[@]}" >/dev/null; } \
    || die "apt-get could not download $*"
  rm -rf "$debs/partial" "$debs/lock"
}

# packages_layer BASE_ROOTFS OUT_TAR PKG...: a layer holding what installing PKG...
# on top of BASE_ROOTFS changes, with whiteouts for files dpkg removed.
packages_layer() {
  local base="$1" out="$2"; shift 2
  local work; work="$(mktemp -d -p "$BUILD_TMP")"
  log "packages layer: $*"
  download_debs "$base" "$work/debs" "$@"
  cp -a "$base" "$work/root"
  touch "$work/marker"
  mkdir -p "$work/root/tmp/debs" && cp "$work/debs"/*.deb "$work/root/tmp/debs/"
  unshare --net --mount --pid --fork --kill-child chroot "$work/root" \
    /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
    dpkg -i --force-unsafe-io -R /tmp/debs >"$work/dpkg.log" 2>&1 \
    || { tail -20 "$work/dpkg.log" >&2; die "dpkg -i failed offline in the chroot"; }
  rm -rf "$work/root/tmp/debs"; trim_rootfs "$work/root"
  (cd "$work/root" && find . -mindepth 1 -cnewer "$work/marker" -print0) >"$work/list"
  # Whiteouts: paths of the base that are gone, whose parent still exists.
  local p
  while IFS= read -r p; do
    [ -e "$work/root/$(dirname "$p")" ] || continue
    [ -e "$work/root/$p" ] || [ -L "$work/root/$p" ] && continue
    : >"$work/root/$(dirname "$p")/.wh.$(basename "$p")"
    printf '%s\0' "$(dirname "$p")/.wh.$(basename "$p")" >>"$work/list"
  done < <(cd "$base" && find . -mindepth 1 | sort)
  sort -z -o "$work/list" "$work/list"
  layer_tar "$work/root" "$out" "$work/list"
  rm -rf "$work"
}
