/**
 * IP addresses and CIDR prefixes as bytes (IPv4: 4 bytes, IPv6: 16), for
 * egress matching and the kernel's LPM-trie keys. IPv4-mapped IPv6
 * addresses (::ffff:a.b.c.d) are treated as the IPv4 address.
 */
import { isIPv4, isIPv6 } from 'node:net';

export type Family = 4 | 6;

export interface Prefix {
  readonly family: Family;
  /** 4 or 16 bytes, host bits zero. */
  readonly addr: Uint8Array;
  readonly len: number;
}

function parseV4(s: string): Uint8Array {
  return Uint8Array.from(s.split('.').map(Number));
}

function parseV6(s: string): Uint8Array {
  let text = s;
  const tail: number[] = [];
  const lastColon = text.lastIndexOf(':');
  const lastPart = text.slice(lastColon + 1);
  if (lastPart.includes('.')) {
    const v4 = parseV4(lastPart);
    tail.push(((v4[0] ?? 0) << 8) | (v4[1] ?? 0), ((v4[2] ?? 0) << 8) | (v4[3] ?? 0));
    text = text.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const dbl = text.indexOf('::');
  const headText = dbl === -1 ? text : text.slice(0, dbl);
  const restText = dbl === -1 ? '' : text.slice(dbl + 2);
  const head = headText === '' ? [] : headText.split(':');
  const rest = restText === '' ? [] : restText.split(':');
  const words = head.map((w) => parseInt(w, 16));
  if (dbl !== -1) for (let i = head.length + rest.length + tail.length; i < 8; i++) words.push(0);
  words.push(...rest.map((w) => parseInt(w, 16)), ...tail);
  const out = new Uint8Array(16);
  words.forEach((w, i) => {
    out[i * 2] = (w >> 8) & 0xff;
    out[i * 2 + 1] = w & 0xff;
  });
  return out;
}

/** Parse an IP literal; undefined when it is not one. IPv4-mapped IPv6 becomes IPv4. */
export function parseIp(text: string): { family: Family; addr: Uint8Array } | undefined {
  if (isIPv4(text)) return { family: 4, addr: parseV4(text) };
  if (!isIPv6(text) || text.includes('%')) return undefined;
  const addr = parseV6(text);
  const mapped = addr.subarray(0, 10).every((b) => b === 0) && addr[10] === 0xff && addr[11] === 0xff;
  return mapped ? { family: 4, addr: addr.slice(12) } : { family: 6, addr };
}

export function maskAddr(addr: Uint8Array, len: number): Uint8Array {
  const out = Uint8Array.from(addr);
  for (let bit = len; bit < out.length * 8; bit++) {
    const i = bit >> 3;
    out[i] = (out[i] ?? 0) & ~(0x80 >> (bit & 7)) & 0xff;
  }
  return out;
}

/** Parse `a.b.c.d/n` or `x::/n`; a bare address is a host prefix. */
export function parseCidr(text: string): Prefix | { error: string } {
  const slash = text.indexOf('/');
  const ip = parseIp(slash === -1 ? text : text.slice(0, slash));
  if (ip === undefined || text.slice(0, slash === -1 ? undefined : slash).toLowerCase().includes('::ffff:')) {
    return { error: `"${text}" is not an IPv4 or IPv6 CIDR` };
  }
  const bits = ip.addr.length * 8;
  const lenText = slash === -1 ? String(bits) : text.slice(slash + 1);
  if (!/^\d{1,3}$/.test(lenText) || Number(lenText) > bits) return { error: `"${text}" has a bad prefix length` };
  const len = Number(lenText);
  const masked = maskAddr(ip.addr, len);
  if (!masked.every((b, i) => b === ip.addr[i])) {
    return { error: `"${text}" has host bits set (did you mean ${formatPrefix({ family: ip.family, addr: masked, len })}?)` };
  }
  return { family: ip.family, addr: masked, len };
}

export function prefixContains(outer: Prefix, inner: Prefix): boolean {
  if (outer.family !== inner.family || outer.len > inner.len) return false;
  const m = maskAddr(inner.addr, outer.len);
  return m.every((b, i) => b === outer.addr[i]);
}

export function hostPrefix(ip: { family: Family; addr: Uint8Array }): Prefix {
  return { family: ip.family, addr: ip.addr, len: ip.addr.length * 8 };
}

export function formatIp(family: Family, addr: Uint8Array): string {
  if (family === 4) return Array.from(addr.subarray(0, 4)).join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push((((addr[i] ?? 0) << 8) | (addr[i + 1] ?? 0)).toString(16));
  // Compress the longest run of zero words (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; i++) {
    let j = i;
    while (j < 8 && words[j] === '0') j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
  }
  if (best === -1) return words.join(':');
  return `${words.slice(0, best).join(':')}::${words.slice(best + bestLen).join(':')}`;
}

export function formatPrefix(p: Prefix): string {
  return `${formatIp(p.family, p.addr)}/${p.len}`;
}
