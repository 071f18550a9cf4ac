/**
 * Configuration files of the node: containerd (CRI, runc, cgroupfs), the CNI
 * bridge network and the kubelet. Every setting is explained in docs/local-cluster.md.
 */
import { join } from 'node:path';
import { stringify } from 'yaml';

export interface NodeLayout {
  readonly dir: string;
  readonly name: string;
  readonly containerdRoot: string;
  readonly containerdState: string;
  readonly containerdSocket: string;
  readonly cniConfDir: string;
  readonly cniDataDir: string;
  readonly kubeletRoot: string;
  readonly podLogs: string;
}

/**
 * The pod network: exists only on this machine (bridge ziriz0, no default route
 * in pods). The bridge's address is also the node's InternalIP, where the
 * kubelet serves the API server (a node IP may not be loopback).
 */
export const podNetwork = { bridge: 'ziriz0', cidr: '10.244.0.0/24', gateway: '10.244.0.1' } as const;
/** Kubelet cgroup root: pods live under /<root>/kubepods in every v1 controller and in the v2 tree. */
export const cgroupRoot = 'ziriz';
export const cniBinDir = '/usr/lib/cni';

/**
 * Host paths the node's programs use whatever they are told: the kubelet's
 * device-plugin socket directory and containerd 1.6's shim socket directory
 * (removed with their contents), and the CRI's network-namespace directory
 * (removed only when empty: other programs keep namespaces there too).
 * Only those that did not exist before the node started are removed.
 */
export const hardcodedHostPaths = ['/var/lib/kubelet', '/run/containerd', '/run/netns'] as const;
export const sharedHostPaths: readonly string[] = ['/run/netns'];

export function nodeLayout(dir: string, name: string): NodeLayout {
  return {
    dir, name,
    containerdRoot: join(dir, 'containerd', 'root'),
    containerdState: join(dir, 'containerd', 'state'),
    containerdSocket: join(dir, 'containerd', 'containerd.sock'),
    cniConfDir: join(dir, 'cni', 'net.d'),
    cniDataDir: join(dir, 'cni', 'ipam'),
    kubeletRoot: join(dir, 'kubelet'),
    podLogs: join(dir, 'pod-logs'),
  };
}

export function containerdConfig(l: NodeLayout, sandboxImage: string): string {
  const cri = 'plugins."io.containerd.grpc.v1.cri"';
  return `version = 2
root = "${l.containerdRoot}"
state = "${l.containerdState}"
disabled_plugins = ["io.containerd.snapshotter.v1.aufs", "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.zfs", "io.containerd.snapshotter.v1.devmapper", "io.containerd.tracing.processor.v1.otlp", "io.containerd.internal.v1.tracing"]

[grpc]
  address = "${l.containerdSocket}"

[ttrpc]
  address = "${l.containerdSocket}.ttrpc"

[${cri}]
  sandbox_image = "${sandboxImage}"
  disable_apparmor = true
  restrict_oom_score_adj = true
  enable_selinux = false
  max_container_log_line_size = 16384

[${cri}.containerd]
  snapshotter = "overlayfs"
  default_runtime_name = "runc"

[${cri}.containerd.runtimes.runc]
  runtime_type = "io.containerd.runc.v2"

[${cri}.containerd.runtimes.runc.options]
  BinaryName = "/usr/sbin/runc"
  Root = "${l.containerdState}/runc"
  SystemdCgroup = false

[${cri}.cni]
  bin_dir = "${cniBinDir}"
  conf_dir = "${l.cniConfDir}"
  max_conf_num = 1

[${cri}.registry]
  config_path = ""
`;
}

export function cniConflist(l: NodeLayout): string {
  return JSON.stringify({
    cniVersion: '0.4.0',
    name: 'ziriz',
    plugins: [
      {
        type: 'bridge', bridge: podNetwork.bridge, isGateway: true, isDefaultGateway: false,
        ipMasq: false, hairpinMode: true,
        ipam: { type: 'host-local', dataDir: l.cniDataDir, ranges: [[{ subnet: podNetwork.cidr, gateway: podNetwork.gateway }]], routes: [] },
      },
      { type: 'loopback' },
    ],
  }, null, 2);
}

export interface KubeletPorts { readonly kubelet: number; readonly healthz: number }

export function kubeletConfig(l: NodeLayout, caFile: string, serving: { cert: string; key: string }, ports: KubeletPorts): string {
  return stringify({
    apiVersion: 'kubelet.config.k8s.io/v1beta1',
    kind: 'KubeletConfiguration',
    address: podNetwork.gateway, port: ports.kubelet, readOnlyPort: 0,
    healthzBindAddress: '127.0.0.1', healthzPort: ports.healthz,
    tlsCertFile: serving.cert, tlsPrivateKeyFile: serving.key,
    authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: caFile } },
    authorization: { mode: 'Webhook' },
    containerRuntimeEndpoint: `unix://${l.containerdSocket}`,
    cgroupDriver: 'cgroupfs', cgroupRoot: `/${cgroupRoot}`, cgroupsPerQOS: true,
    enforceNodeAllocatable: ['pods'],
    failCgroupV1: false, failSwapOn: false,
    makeIPTablesUtilChains: false, protectKernelDefaults: false,
    podCIDR: podNetwork.cidr, maxPods: 120,
    resolvConf: '', clusterDomain: 'cluster.local',
    podLogsDir: l.podLogs,
    imageGCHighThresholdPercent: 100, imageGCLowThresholdPercent: 99,
    evictionHard: { 'memory.available': '100Mi', 'nodefs.available': '1%', 'nodefs.inodesFree': '1%', 'imagefs.available': '1%' },
    serializeImagePulls: false,
    nodeStatusUpdateFrequency: '4s', nodeStatusReportFrequency: '10s',
    syncFrequency: '10s', fileCheckFrequency: '10s',
    shutdownGracePeriod: '0s',
    registerNode: true,
    volumePluginDir: join(l.kubeletRoot, 'volume-plugins'),
  });
}

export function kubeletArgs(l: NodeLayout, config: string, kubeconfig: string): string[] {
  return [
    `--config=${config}`, `--kubeconfig=${kubeconfig}`, `--root-dir=${l.kubeletRoot}`,
    `--hostname-override=${l.name}`, `--node-ip=${podNetwork.gateway}`, '--v=1',
  ];
}
