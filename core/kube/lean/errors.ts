/** Failures of the lean Kubernetes client that are not API answers (those are KubeApiError). */
import { ZirizError } from '../../errors/ziriz-error.js';

/** A kubeconfig, or the in-cluster environment, that cannot be used; `where` names the file or field. */
export class KubeConfigError extends ZirizError {
  constructor(readonly where: string, message: string, cause?: unknown) {
    super('E_KUBECONFIG', `${where}: ${message}`, { cause });
  }
}

/**
 * A kubeconfig user that authenticates through a plugin (`exec` or
 * `auth-provider`): the lean client runs no plugins. Use a token, a token
 * file or a client certificate.
 */
export class KubeAuthPluginError extends ZirizError {
  constructor(readonly user: string, readonly plugin: 'exec' | 'auth-provider', readonly detail: string) {
    super('E_KUBECONFIG_AUTH_PLUGIN',
      `user ${user}: ${plugin} credential plugins are not supported (${detail}); use token, tokenFile or client-certificate/client-key`);
  }
}

/** A response or watch line that is not what the API sends (not JSON, wrong shape, too long). */
export class KubeDecodeError extends ZirizError {
  constructor(readonly op: string, message: string, readonly sample: string, cause?: unknown) {
    super('E_KUBE_DECODE', `${op}: ${message}: ${JSON.stringify(sample.slice(0, 120))}`, { cause });
  }
}
