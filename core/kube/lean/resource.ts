/**
 * Which API resource a call is about, and the URL path for it:
 * `/api/v1/namespaces/ns/pods/name/status`,
 * `/apis/events.k8s.io/v1/namespaces/ns/events`, ...
 */

export interface Resource {
  /** '' for the core group. */
  readonly group: string;
  readonly version: string;
  readonly plural: string;
}

/** Where in the resource: a namespace (absent: cluster scope or all namespaces), an object, its subresource. */
export interface Target {
  readonly namespace?: string;
  readonly name?: string;
  /** `status`, `scale`, ... (needs `name`). */
  readonly subresource?: string;
}

export type Named = Target & { readonly name: string };

export const PODS: Resource = { group: '', version: 'v1', plural: 'pods' };
export const NAMESPACES: Resource = { group: '', version: 'v1', plural: 'namespaces' };
export const NODES: Resource = { group: '', version: 'v1', plural: 'nodes' };
export const EVENTS: Resource = { group: 'events.k8s.io', version: 'v1', plural: 'events' };

export function resourcePath(r: Resource, t: Target = {}): string {
  const parts = [r.group === '' ? `/api/${r.version}` : `/apis/${r.group}/${r.version}`];
  if (t.namespace !== undefined && t.namespace !== '') parts.push('namespaces', encodeURIComponent(t.namespace));
  parts.push(r.plural);
  if (t.name !== undefined) parts.push(encodeURIComponent(t.name));
  if (t.subresource !== undefined) {
    if (t.name === undefined) throw new RangeError(`subresource ${t.subresource} of ${r.plural} needs a name`);
    parts.push(t.subresource);
  }
  return parts.join('/');
}

export type QueryValue = string | number | boolean | undefined;

/** `?a=1&b=x` from the defined values, or '' when there are none. */
export function queryString(q: Readonly<Record<string, QueryValue>>): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(q)) if (v !== undefined) params.set(k, String(v));
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

/** `pods`, `pods/status`, `agentpolicies.ziriz.io/status`: how a call names what it touched. */
export function describe(r: Resource, t: Target = {}): string {
  const kind = r.group === '' ? r.plural : `${r.plural}.${r.group}`;
  const obj = t.name !== undefined ? ` ${t.namespace ? `${t.namespace}/` : ''}${t.name}` : t.namespace ? ` in ${t.namespace}` : '';
  return `${kind}${t.subresource ? `/${t.subresource}` : ''}${obj}`;
}
