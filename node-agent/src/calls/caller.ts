/**
 * The caller of a received call (server side): the address the kernel found
 * behind the connection, and what the agent knows of the pod there. A caller
 * the agent cannot name is judged as it is: rules naming callers by selector
 * do not match it (fail closed), CIDR rules match its address.
 */
import { DataSource } from '../../../core/abi/enums.js';
import type { Attribution } from '../agent/attribution.js';
import type { DataRecord } from '../bpf/records.js';

export interface CallerFacts {
  /** The sending end's address; absent when the kernel could not tell. */
  readonly ip?: string;
  readonly port?: number;
  readonly namespace?: string;
  readonly labels?: Readonly<Record<string, string>>;
  /** `namespace/name` of the caller's pod, when known (for reports). */
  readonly pod?: string;
}

const RECEIVE_SOURCES: ReadonlySet<number> = new Set([DataSource.SSL_READ, DataSource.GNUTLS_RECV, DataSource.SYS_READ, DataSource.GO_TLS_READ]);

/** Was this record's data received by the process (judged by its inbound rules)? */
export function isReceived(rec: Pick<DataRecord, 'source'>): boolean {
  return RECEIVE_SOURCES.has(rec.source);
}

export function callerFacts(rec: Pick<DataRecord, 'peer'>, attr: Pick<Attribution, 'peerLabels' | 'peer'>): CallerFacts {
  if (rec.peer === undefined) return {};
  const known = attr.peerLabels(rec.peer.ip);
  const who = attr.peer(rec.peer.ip);
  const name = who === undefined ? undefined : 'pod' in who ? who.pod : who.name;
  return {
    ip: rec.peer.ip,
    port: rec.peer.port,
    ...(known ? { namespace: known.namespace, labels: known.labels } : {}),
    ...(who && name !== undefined ? { pod: `${who.namespace}/${name}` } : {}),
  };
}

/** The policy request with the caller as its target (the host the call was addressed to is kept). */
export function withCaller(req: Record<string, unknown>, caller: CallerFacts | undefined): Record<string, unknown> {
  if (caller === undefined) return req;
  const target = typeof req.target === 'object' && req.target !== null ? (req.target as Record<string, unknown>) : {};
  return {
    ...req,
    target: {
      ...target,
      ...(caller.ip !== undefined ? { ip: caller.ip } : {}),
      ...(caller.namespace !== undefined ? { namespace: caller.namespace } : {}),
      ...(caller.labels !== undefined ? { labels: caller.labels } : {}),
    },
  };
}

/** How a caller is shown in reports: `payments/batch-0 (10.244.0.7)`, `10.0.0.9`, or `unknown`. */
export function describeCaller(c: CallerFacts): string {
  if (c.ip === undefined) return 'unknown';
  return c.pod !== undefined ? `${c.pod} (${c.ip})` : c.ip;
}
