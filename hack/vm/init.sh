#!/bin/busybox sh
# PID 1 of the LSM test VM: mount what BPF LSM needs, make the test files,
# run the loader, power off. Every result is a "ZIRIZ-VM ..." console line.
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t bpf bpf /sys/fs/bpf
mount -t securityfs securityfs /sys/kernel/security
mount -t cgroup2 cgroup2 /sys/fs/cgroup
ip link set lo up
mkdir -p /etc/ziriz-secret /usr/local/bin
echo token > /etc/ziriz-secret/token
echo ok > /etc/ziriz-ok
echo sibling > /etc/ziriz-secretX
for t in /bin/forbidden-tool /usr/local/bin/denied /bin/true-tool; do printf '#!/bin/sh\nexit 0\n' > "$t"; chmod 755 "$t"; done
echo "ZIRIZ-VM-BOOTED $(uname -r)"
/ziriz/lsm-loader /ziriz
echo "ZIRIZ-VM-EXIT $?"
poweroff -f
