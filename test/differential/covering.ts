/**
 * Streams chosen to cover every mutation class: each class alone on each
 * payload it applies to; each decoy with every other spelling of its
 * member's key (the shadowing pairs a case-insensitive decoder resolves the
 * other way); and the plain denied call cut into writes at its markers.
 */
import { BODY_DIMENSIONS, dimensionsOf, DIMENSIONS, PLAIN, type Cut, type Dimension, type Mutations, type Payload, type StreamSpec } from './spec.js';

const DELETE_TOOL: Payload = { kind: 'mcp', tool: 'delete_customer' };
const BULK_EXPORT: Payload = { kind: 'rest', method: 'GET', big: true };
const REST_DELETE: Payload = { kind: 'rest', method: 'DELETE', big: false };
const ALLOWED_TOOL: Payload = { kind: 'mcp', tool: 'get_customer' };
const ALLOWED_READ: Payload = { kind: 'rest', method: 'GET', big: false };

function spec(payload: Payload, m: Partial<Mutations> = {}, cuts: readonly Cut[] = []): StreamSpec {
  return { payload, m: { ...PLAIN, ...m }, cuts };
}

/** Every class alone on `payload`. */
export function singles(payload: Payload): StreamSpec[] {
  return dimensionsOf(payload).flatMap((d: Dimension) => DIMENSIONS[d].slice(1).map((option) => spec(payload, { [d]: option })));
}

/** A decoy before (or after) the member whose key is spelled another way. */
export function shadowPairs(payload: Payload, positions: readonly ('before' | 'after')[]): StreamSpec[] {
  const fields = [['method', 'methodKey'], ['params', 'paramsKey'], ['name', 'nameKey']] as const;
  return fields.flatMap(([field, dim]) => BODY_DIMENSIONS[dim].slice(1).flatMap((spelling) =>
    positions.map((where) => spec(payload, { [dim]: spelling, decoy: `${field}-${where}` }))));
}

/** The plain denied tool call cut inside its markers (and both halves of a padded, an escaped one). */
export function splits(): StreamSpec[] {
  return [
    spec(DELETE_TOOL, {}, [{ marker: 'customer', delta: 3 }]),
    spec(DELETE_TOOL, {}, [{ marker: '\r\n\r\n', delta: 4 }]),
    spec(DELETE_TOOL, {}, [{ marker: 'tools', delta: 2 }, { marker: 'method', delta: 3 }]),
    spec(DELETE_TOOL, { padding: 'spaces-4k' }, [{ marker: '\r\n\r\n', delta: 4 }]),
    spec(DELETE_TOOL, { nameKey: 'escaped' }, [{ frac: 0.5 }]),
  ];
}

/** What the kernel property sends: denied payloads only. */
export function deniedCovering(): StreamSpec[] {
  return [...singles(DELETE_TOOL), ...shadowPairs(DELETE_TOOL, ['before']), ...singles(BULK_EXPORT), spec(REST_DELETE), ...splits()];
}

/** What the user-space property sends before its random sample: denied and allowed payloads. */
export function fullCovering(): StreamSpec[] {
  return [
    ...singles(DELETE_TOOL), ...shadowPairs(DELETE_TOOL, ['before', 'after']), ...singles(BULK_EXPORT), ...singles(REST_DELETE), ...splits(),
    ...singles(ALLOWED_TOOL), ...singles(ALLOWED_READ),
  ];
}
