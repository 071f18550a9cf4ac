# pause: the pod sandbox image (containerd's sandbox_image), one static binary.
IMAGE_BASE=scratch
IMAGE_ENTRYPOINT=(/pause)
IMAGE_ENV=()
populate() {
  local cc; cc="$(command -v cc || command -v clang)" || die "no C compiler for the pause image"
  "$cc" -static -O2 -Wall -Werror -o "$1/pause" "$SPEC_DIR/pause.c"
  strip "$1/pause"
}
