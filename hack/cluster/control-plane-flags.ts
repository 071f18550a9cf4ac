/** Command lines of etcd and the control-plane components (each flag explained in docs/local-cluster.md). */
import { join } from 'node:path';
import type { ClusterPki } from './cluster-pki.js';

export interface ControlPlanePorts {
  readonly etcdClient: number;
  readonly etcdPeer: number;
  readonly apiserver: number;
  readonly controllerManager: number;
  readonly scheduler: number;
}

export const serviceClusterIpRange = '10.96.0.0/24';

export function etcdArgs(dir: string, p: ControlPlanePorts): string[] {
  const client = `http://127.0.0.1:${p.etcdClient}`;
  const peer = `http://127.0.0.1:${p.etcdPeer}`;
  return [
    '--name=ziriz', `--data-dir=${join(dir, 'etcd')}`,
    `--listen-client-urls=${client}`, `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`, `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=ziriz=${peer}`, '--initial-cluster-state=new',
    '--unsafe-no-fsync', '--log-level=warn',
  ];
}

export function apiserverArgs(dir: string, pki: ClusterPki, p: ControlPlanePorts): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${p.etcdClient}`,
    '--bind-address=127.0.0.1', '--advertise-address=127.0.0.1', `--secure-port=${p.apiserver}`,
    `--cert-dir=${join(dir, 'apiserver')}`,
    `--tls-cert-file=${pki.apiserver.cert}`, `--tls-private-key-file=${pki.apiserver.key}`,
    `--client-ca-file=${pki.ca.cert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.saPub}`, `--service-account-signing-key-file=${pki.saKey}`,
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--authorization-mode=Node,RBAC',
    '--enable-admission-plugins=NodeRestriction,MutatingAdmissionWebhook,ValidatingAdmissionWebhook',
    `--kubelet-client-certificate=${pki.apiserverKubeletClient.cert}`,
    `--kubelet-client-key=${pki.apiserverKubeletClient.key}`,
    `--kubelet-certificate-authority=${pki.ca.cert}`,
    '--kubelet-preferred-address-types=InternalIP',
    '--endpoint-reconciler-type=none',
    '--allow-privileged=true', '--profiling=false', '--v=1',
  ];
}

export function controllerManagerArgs(dir: string, pki: ClusterPki, kubeconfig: string, p: ControlPlanePorts): string[] {
  return [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${p.controllerManager}`, `--cert-dir=${join(dir, 'controller-manager')}`,
    `--tls-cert-file=${pki.loopbackServing.cert}`, `--tls-private-key-file=${pki.loopbackServing.key}`,
    `--service-account-private-key-file=${pki.saKey}`, `--root-ca-file=${pki.ca.cert}`,
    `--cluster-signing-cert-file=${pki.ca.cert}`, `--cluster-signing-key-file=${pki.ca.key}`,
    `--flex-volume-plugin-dir=${join(dir, 'controller-manager', 'flex')}`,
    '--use-service-account-credentials=true', `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--leader-elect=false', '--profiling=false', '--v=1',
  ];
}

export function schedulerArgs(dir: string, pki: ClusterPki, kubeconfig: string, p: ControlPlanePorts): string[] {
  return [
    `--kubeconfig=${kubeconfig}`, `--authentication-kubeconfig=${kubeconfig}`, `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1', `--secure-port=${p.scheduler}`, `--cert-dir=${join(dir, 'scheduler')}`,
    `--tls-cert-file=${pki.loopbackServing.cert}`, `--tls-private-key-file=${pki.loopbackServing.key}`,
    '--leader-elect=false', '--profiling=false', '--v=1',
  ];
}
