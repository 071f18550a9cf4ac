/**
 * Give the C heap's free pages back to the system (glibc malloc_trim through
 * the addon). Buffers from map reads and netlink dumps come and go with every
 * reconcile; glibc keeps what they freed in the process RSS until trimmed.
 */
import { native } from '../bpf/errors.js';
import { binding } from '../bpf/native.js';

export function trimCHeap(): boolean {
  return native(() => binding().mallocTrim());
}
