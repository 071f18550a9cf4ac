/**
 * Everything needed to reach one API server as one user, whichever way it
 * was configured (kubeconfig file or in-cluster): the server URL, how to
 * trust it, and how to authenticate.
 */

export type Credentials =
  | { readonly kind: 'none' }
  /** A bearer token, asked for at every request (token files rotate). */
  | { readonly kind: 'token'; readonly token: () => string }
  | { readonly kind: 'basic'; readonly username: string; readonly password: string };

export interface KubeAccess {
  /** `https://host:port` (or http://), without a trailing slash; may carry a path prefix. */
  readonly server: string;
  /** PEM of the CAs to trust; absent: the system's. */
  readonly ca?: Buffer;
  readonly insecureSkipTlsVerify: boolean;
  /** SNI and certificate name to expect instead of the server's host. */
  readonly tlsServerName?: string;
  /** PEM client certificate and key (both or neither). */
  readonly clientCert?: Buffer;
  readonly clientKey?: Buffer;
  readonly credentials: Credentials;
  /** The context's namespace, or the pod's own in-cluster. */
  readonly namespace?: string;
  /** Where this came from, for messages (`kubeconfig /path (context x)`, `in-cluster`). */
  readonly source: string;
}

/** The Authorization header value for these credentials, if any. */
export function authorization(c: Credentials): string | undefined {
  switch (c.kind) {
    case 'none':
      return undefined;
    case 'token': {
      const t = c.token();
      return t === '' ? undefined : `Bearer ${t}`;
    }
    case 'basic':
      return `Basic ${Buffer.from(`${c.username}:${c.password}`).toString('base64')}`;
  }
}
