/**
 * Typed errors for every step of the BPF lifecycle. Each carries the errno,
 * the failing operation and what libbpf printed meanwhile (e.g. the verifier
 * log), so a failure to load or attach explains itself.
 */
import { ZirizError } from '../../../core/errors/ziriz-error.js';

export type BpfOp =
  | 'open'
  | 'configure'
  | 'load'
  | 'attach'
  | 'detach'
  | 'pin'
  | 'map'
  | 'ringbuf'
  | 'tc'
  | 'netns'
  | 'netlink'
  | 'program'
  | 'object'
  | 'link'
  | 'cpus'
  | 'sched';

export interface BpfErrorFields {
  readonly op: BpfOp;
  readonly errno: number;
  /** errno name, e.g. EPERM */
  readonly errnoName: string;
  readonly libbpfLog: string;
}

export class BpfError extends ZirizError implements BpfErrorFields {
  readonly op: BpfOp;
  readonly errno: number;
  readonly errnoName: string;
  readonly libbpfLog: string;

  constructor(code: string, message: string, fields: BpfErrorFields, cause?: unknown) {
    super(code, message, { cause });
    this.op = fields.op;
    this.errno = fields.errno;
    this.errnoName = fields.errnoName;
    this.libbpfLog = fields.libbpfLog;
  }
}

export class BpfOpenError extends BpfError {}
export class BpfConfigureError extends BpfError {}
export class BpfLoadError extends BpfError {}
export class BpfAttachError extends BpfError {}
export class BpfPinError extends BpfError {}
export class BpfMapError extends BpfError {}
export class BpfRingBufferError extends BpfError {}
export class TcError extends BpfError {}
export class NativeAddonMissing extends ZirizError {}

const CLASS_BY_OP: Readonly<Partial<Record<BpfOp, typeof BpfError>>> = {
  open: BpfOpenError,
  configure: BpfConfigureError,
  load: BpfLoadError,
  attach: BpfAttachError,
  detach: BpfAttachError,
  pin: BpfPinError,
  map: BpfMapError,
  ringbuf: BpfRingBufferError,
  tc: TcError,
  netns: TcError,
};

interface NativeErrorShape {
  message: string;
  op: string;
  errno: number;
  code: string;
  libbpfLog: string;
}

function isNativeError(e: unknown): e is NativeErrorShape {
  if (!(e instanceof Error)) return false;
  const r = e as unknown as Record<string, unknown>;
  return typeof r.op === 'string' && typeof r.errno === 'number' && typeof r.code === 'string';
}

/** Turn an error thrown by the addon into the matching typed error (others pass through). */
export function toBpfError(e: unknown): unknown {
  if (!isNativeError(e)) return e;
  const op = e.op as BpfOp;
  const Cls = CLASS_BY_OP[op] ?? BpfError;
  return new Cls(`E_BPF_${op.toUpperCase()}`, e.message, {
    op,
    errno: e.errno,
    errnoName: e.code,
    libbpfLog: e.libbpfLog,
  }, e);
}

/** Run an addon call, rethrowing its errors typed. */
export function native<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e: unknown) {
    throw toBpfError(e);
  }
}
