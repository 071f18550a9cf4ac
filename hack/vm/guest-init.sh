#!/bin/busybox sh
# PID 1 of hack/vm/run-guest's initramfs (busybox-static only). Loads the
# modules for virtio-9p and overlay, mounts the host's / read-only over 9p
# under a tmpfs overlay, mounts the kernel file systems the agent needs inside
# it, runs /ziriz/cmd chrooted there and powers off. Everything it says on the
# console starts with ZIRIZ-GUEST-; the nonce in /ziriz/nonce tells its own
# start/end lines from the command's output.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
NONCE="$(cat /ziriz/nonce)"
echo "ZIRIZ-GUEST-INIT $NONCE"

fail() {
  echo "ZIRIZ-GUEST-ERROR $*"
  poweroff -f
  sleep 10
}

for m in $(cat /modules/order); do
  insmod "/modules/$m.ko" || fail "insmod $m.ko failed"
done

mkdir -p /host /rw /newroot
# The virtio device may still be probing right after insmod: retry briefly.
# cache=loose: much faster lookups; the host tree is taken as not changing
# while the guest runs (overlayfs asks that of its lower layer anyway).
i=0
until mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=512000,cache=loose hostroot /host 2>/tmp/9p.err; do
  i=$((i + 1))
  [ "$i" -lt 50 ] || fail "mount -t 9p hostroot: $(cat /tmp/9p.err)"
  sleep 0.1
done
mount -t tmpfs -o mode=0755 tmpfs /rw || fail "mount tmpfs /rw"
mkdir -p /rw/upper /rw/work
mount -t overlay -o lowerdir=/host,upperdir=/rw/upper,workdir=/rw/work overlay /newroot \
  || fail "mount -t overlay (lower: 9p host root, upper: tmpfs) failed"

R=/newroot
mount -t proc proc "$R/proc" || fail "mount proc"
mount -t sysfs sysfs "$R/sys" || fail "mount sysfs"
mount -t devtmpfs devtmpfs "$R/dev" || fail "mount devtmpfs"
mkdir -p "$R/dev/pts" "$R/dev/shm"
mount -t devpts -o gid=5,mode=620,ptmxmode=666 devpts "$R/dev/pts"
mount -t tmpfs -o mode=1777 tmpfs "$R/dev/shm"
# A fresh /tmp and /run, unless the command's tree lives under them on the
# host (/ziriz/host-dirs): then the host's, writable through the overlay.
grep -qx /tmp /ziriz/host-dirs || mount -t tmpfs -o mode=1777 tmpfs "$R/tmp" || fail "mount /tmp"
grep -qx /run /ziriz/host-dirs || mount -t tmpfs -o mode=0755 tmpfs "$R/run" || fail "mount /run"
mount -t bpf bpf "$R/sys/fs/bpf" || fail "mount bpffs"
mount -t tracefs tracefs "$R/sys/kernel/tracing" || fail "mount tracefs"
mount -t securityfs securityfs "$R/sys/kernel/security" || fail "mount securityfs"
mount -t debugfs debugfs "$R/sys/kernel/debug" 2>/dev/null
mount -t cgroup2 cgroup2 "$R/sys/fs/cgroup" || fail "mount cgroup2"
echo +memory > "$R/sys/fs/cgroup/cgroup.subtree_control" || fail "cannot enable the memory controller"
for c in pids cpu io; do echo "+$c" > "$R/sys/fs/cgroup/cgroup.subtree_control" 2>/dev/null; done
ip link set lo up || fail "ip link set lo up"

cp /ziriz/cmd "$R/.ziriz-cmd"
echo "ZIRIZ-GUEST-START $NONCE $(cut -d' ' -f1 /proc/uptime)"
chroot "$R" /usr/bin/env -i /bin/bash /.ziriz-cmd < /dev/null
rc=$?
# A command whose last line lacks a newline must not swallow the end marker.
echo
echo "ZIRIZ-GUEST-END $NONCE $(cut -d' ' -f1 /proc/uptime)"
echo "ZIRIZ-GUEST-EXIT $rc"
poweroff -f
sleep 10
