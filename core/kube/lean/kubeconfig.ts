/**
 * A kubeconfig file as KubeAccess: the current context (or a named one), its
 * cluster (server, certificate-authority or -data, insecure-skip-tls-verify,
 * tls-server-name) and its user (token, tokenFile, client-certificate(-data)
 * + client-key(-data), username/password). Relative paths are relative to the
 * file. `exec` and `auth-provider` users fail with KubeAuthPluginError: the
 * lean client runs no credential plugins.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, resolve } from 'node:path';
import { errorMessage } from '../../errors/ziriz-error.js';
import type { Credentials, KubeAccess } from './access.js';
import { KubeAuthPluginError, KubeConfigError } from './errors.js';
import { TokenFile } from './token-file.js';

export interface KubeconfigOptions {
  /** The file's path, for messages; relative paths in it resolve against its directory. */
  readonly path?: string;
  /** Use this context instead of current-context. */
  readonly context?: string;
  readonly readFile?: (path: string) => Buffer;
}

type Fields = Readonly<Record<string, unknown>>;

/**
 * The yaml package, loaded on the first kubeconfig parsed: it costs ~12 MB
 * RSS, which an in-cluster node agent (no kubeconfig file) does not pay.
 */
function parseYaml(text: string): unknown {
  const yaml = createRequire(import.meta.url)('yaml') as { parse: (text: string) => unknown };
  return yaml.parse(text);
}

class Section {
  constructor(readonly where: string, private readonly o: Fields) {}

  static of(v: unknown, where: string): Section {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new KubeConfigError(where, 'must be a mapping');
    return new Section(where, v as Fields);
  }

  has(key: string): boolean {
    return this.o[key] !== undefined && this.o[key] !== null;
  }

  str(key: string): string | undefined {
    const v = this.o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new KubeConfigError(`${this.where}.${key}`, 'must be a string');
    return v;
  }

  bool(key: string): boolean {
    const v = this.o[key];
    if (v === undefined || v === null) return false;
    if (typeof v !== 'boolean') throw new KubeConfigError(`${this.where}.${key}`, 'must be true or false');
    return v;
  }

  section(key: string): Section {
    return Section.of(this.o[key] ?? {}, `${this.where}.${key}`);
  }

  /** The `field` mapping of the entry called `name` in the list `key` (clusters, users, contexts). */
  entry(key: string, field: string, name: string): Section {
    const list = this.o[key] ?? [];
    if (!Array.isArray(list)) throw new KubeConfigError(`${this.where}.${key}`, 'must be a list');
    const i = list.findIndex((e: unknown) => typeof e === 'object' && e !== null && (e as Fields).name === name);
    if (i < 0) throw new KubeConfigError(`${this.where}.${key}`, `no entry named ${JSON.stringify(name)}`);
    return Section.of(list[i] as Fields, `${this.where}.${key}[${i}]`).section(field);
  }
}

function pem(data: Buffer, where: string): Buffer {
  if (!data.toString('latin1').includes('-----BEGIN ')) throw new KubeConfigError(where, 'is not PEM');
  return data;
}

class Files {
  constructor(private readonly dir: string, private readonly read: (p: string) => Buffer) {}

  /** `<key>-data` (base64) or `<key>` (a file), data first, as client-go. */
  pem(s: Section, key: string): Buffer | undefined {
    const data = s.str(`${key}-data`);
    if (data !== undefined) return pem(Buffer.from(data, 'base64'), `${s.where}.${key}-data`);
    const file = s.str(key);
    if (file === undefined) return undefined;
    return pem(this.file(file, `${s.where}.${key}`), `${s.where}.${key} (${file})`);
  }

  path(p: string): string {
    return resolve(this.dir, p);
  }

  private file(p: string, where: string): Buffer {
    try {
      return this.read(this.path(p));
    } catch (e: unknown) {
      throw new KubeConfigError(where, `cannot read ${this.path(p)}: ${errorMessage(e)}`, e);
    }
  }
}

function credentials(user: Section, userName: string, files: Files): Credentials {
  if (user.has('exec')) throw new KubeAuthPluginError(userName, 'exec', `command ${user.section('exec').str('command') ?? '?'}`);
  if (user.has('auth-provider')) throw new KubeAuthPluginError(userName, 'auth-provider', `provider ${user.section('auth-provider').str('name') ?? '?'}`);
  const token = user.str('token');
  if (token !== undefined) return { kind: 'token', token: () => token };
  const tokenFile = user.str('tokenFile');
  if (tokenFile !== undefined) {
    const source = new TokenFile(files.path(tokenFile));
    return { kind: 'token', token: () => source.get() };
  }
  const username = user.str('username');
  if (username !== undefined) return { kind: 'basic', username, password: user.str('password') ?? '' };
  return { kind: 'none' };
}

function server(cluster: Section): string {
  const s = cluster.str('server');
  if (s === undefined) throw new KubeConfigError(`${cluster.where}.server`, 'is required');
  let url: URL;
  try {
    url = new URL(s);
  } catch (e: unknown) {
    throw new KubeConfigError(`${cluster.where}.server`, `not a URL: ${s}`, e);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new KubeConfigError(`${cluster.where}.server`, `must be https:// or http://, not ${url.protocol}`);
  return s.replace(/\/+$/, '');
}

/** KubeAccess from the text of a kubeconfig file. */
export function parseKubeconfig(text: string, opts: KubeconfigOptions = {}): KubeAccess {
  const where = opts.path ?? 'kubeconfig';
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (e: unknown) {
    throw new KubeConfigError(where, `not YAML: ${errorMessage(e)}`, e);
  }
  const root = Section.of(doc ?? {}, where);
  const contextName = opts.context ?? root.str('current-context');
  if (contextName === undefined) throw new KubeConfigError(`${where}.current-context`, 'is not set (and no context was named)');
  const context = root.entry('contexts', 'context', contextName);
  const clusterName = context.str('cluster');
  if (clusterName === undefined) throw new KubeConfigError(`${context.where}.cluster`, 'is required');
  const cluster = root.entry('clusters', 'cluster', clusterName);
  const userName = context.str('user');
  const user = userName === undefined ? Section.of({}, `${where}.users`) : root.entry('users', 'user', userName);
  const files = new Files(opts.path !== undefined ? dirname(resolve(opts.path)) : process.cwd(), opts.readFile ?? ((p) => readFileSync(p)));

  const clientCert = files.pem(user, 'client-certificate');
  const clientKey = files.pem(user, 'client-key');
  if ((clientCert === undefined) !== (clientKey === undefined)) {
    throw new KubeConfigError(user.where, 'client-certificate and client-key go together (one is missing)');
  }
  const ca = files.pem(cluster, 'certificate-authority');
  const tlsServerName = cluster.str('tls-server-name');
  const namespace = context.str('namespace');
  return {
    server: server(cluster),
    ...(ca !== undefined ? { ca } : {}),
    insecureSkipTlsVerify: cluster.bool('insecure-skip-tls-verify'),
    ...(tlsServerName !== undefined ? { tlsServerName } : {}),
    ...(clientCert !== undefined && clientKey !== undefined ? { clientCert, clientKey } : {}),
    credentials: credentials(user, userName ?? '', files),
    ...(namespace !== undefined ? { namespace } : {}),
    source: `kubeconfig ${where} (context ${contextName})`,
  };
}

/** KubeAccess from a kubeconfig file. */
export function loadKubeconfigFile(path: string, context?: string): KubeAccess {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e: unknown) {
    throw new KubeConfigError(path, `cannot read: ${errorMessage(e)}`, e);
  }
  return parseKubeconfig(text, { path, ...(context !== undefined ? { context } : {}) });
}
