# OCI image assembly without a daemon: deterministic layer tars and an OCI
# image-layout archive that `ctr images import` accepts. Sourced by hack/images/build.

# sha256_of FILE: the hex digest of a file.
sha256_of() { sha256sum "$1" | cut -d' ' -f1; }

# layer_tar DIR OUT [LIST]: a reproducible uncompressed layer tar of DIR (or only
# the NUL-separated relative paths in LIST): sorted, mtime 0, numeric owners.
layer_tar() {
  local dir="$1" out="$2" list="${3:-}"
  local opts=(--format=posix --numeric-owner --mtime=@0 --sort=name
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime
    --xattrs --xattrs-include='security.capability' -C "$dir")
  if [ -n "$list" ]; then
    tar "${opts[@]}" --no-recursion --null -T "$list" -cf "$out"
  else
    tar "${opts[@]}" -cf "$out" .
  fi
}

# json_string_array "a" "b": ["a","b"] (values must not hold quotes or backslashes).
json_string_array() {
  local out="" v
  for v in "$@"; do out+="${out:+,}\"$v\""; done
  printf '[%s]' "$out"
}

# oci_archive OUT REF CONFIG_JSON_FRAGMENT LAYER...: write an OCI image-layout tar.
# CONFIG_JSON_FRAGMENT is the inner "config" object of the image config (Env,
# Entrypoint, Cmd, WorkingDir, ...). Layers are uncompressed, so diff_id == digest.
oci_archive() {
  local out="$1" ref="$2" config_inner="$3"; shift 3
  local work layer d diff_ids="" layers_json=""
  work="$(mktemp -d -p "$BUILD_TMP")"
  mkdir -p "$work/blobs/sha256"
  for layer in "$@"; do
    d="$(sha256_of "$layer")"
    ln -f "$layer" "$work/blobs/sha256/$d" 2>/dev/null || cp "$layer" "$work/blobs/sha256/$d"
    diff_ids+="${diff_ids:+,}\"sha256:$d\""
    layers_json+="${layers_json:+,}{\"mediaType\":\"application/vnd.oci.image.layer.v1.tar\",\"digest\":\"sha256:$d\",\"size\":$(stat -c %s "$layer")}"
  done
  printf '{"architecture":"amd64","os":"linux","config":%s,"rootfs":{"type":"layers","diff_ids":[%s]}}' \
    "$config_inner" "$diff_ids" >"$work/config.json"
  local cd cs md ms
  cd="$(sha256_of "$work/config.json")"; cs="$(stat -c %s "$work/config.json")"
  mv "$work/config.json" "$work/blobs/sha256/$cd"
  printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[%s]}' \
    "$cd" "$cs" "$layers_json" >"$work/manifest.json"
  md="$(sha256_of "$work/manifest.json")"; ms="$(stat -c %s "$work/manifest.json")"
  mv "$work/manifest.json" "$work/blobs/sha256/$md"
  printf '{"imageLayoutVersion":"1.0.0"}' >"$work/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"},"annotations":{"io.containerd.image.name":"%s","org.opencontainers.image.ref.name":"%s"}}]}' \
    "$md" "$ms" "$ref" "${ref##*:}" >"$work/index.json"
  tar --format=posix --numeric-owner --mtime=@0 --sort=name -C "$work" -cf "$out.tmp" oci-layout index.json blobs
  mv "$out.tmp" "$out"
  rm -rf "$work"
}
