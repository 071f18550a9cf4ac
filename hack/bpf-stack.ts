/**
 * The BPF stack a program can use at once, read from an object's
 * disassembly (`llvm-objdump -dr`): each function's frame (its deepest
 * `r10 - N`), rounded up to 32 bytes as the verifier does, summed along the
 * deepest chain of bpf-to-bpf calls (`call -1` relocated to a function) and
 * bpf_loop callbacks (a `.text` address loaded with ld_imm64). Kernels before
 * 6.7 or so count a callback's frame on its caller's chain and refuse a
 * program whose chain passes 512 bytes ("combined stack size of N calls is
 * M. Too large"); newer ones load it, so this machine's verifier cannot
 * catch it. Pure functions over the disassembly text.
 */

/** The kernel's limit on a chain of frames (MAX_BPF_STACK). */
export const BPF_STACK_LIMIT = 512;

interface Fn {
  readonly name: string;
  readonly section: string;
  frame: number;
  readonly calls: Set<string>;
}

export interface StackChain {
  readonly program: string;
  readonly section: string;
  /** Bytes of the deepest chain, frames rounded up to 32. */
  readonly bytes: number;
  /** The functions on it, the program first. */
  readonly path: readonly string[];
}

const round32 = (n: number): number => Math.max(32, Math.ceil(n / 32) * 32);

/** The functions of a disassembly: frames and callees (named). */
export function parseFunctions(objdump: string): Map<string, Fn> {
  const fns = new Map<string, Fn>();
  const textStarts = new Map<number, string>(); // byte offset in .text -> function
  const pendingCallbacks: { fn: Fn; offset: number }[] = [];
  let section = '';
  let cur: Fn | undefined;
  let lastLoad: number | undefined; // the byte offset of the last `rN = <n> ll`
  for (const line of objdump.split('\n')) {
    const sec = /^Disassembly of section (\S+):/.exec(line);
    if (sec?.[1]) {
      section = sec[1];
      cur = undefined;
      continue;
    }
    const head = /^([0-9a-f]+) <([^>]+)>:/.exec(line);
    if (head?.[1] && head[2]) {
      if (head[2].startsWith('LBB')) continue;
      cur = { name: head[2], section, frame: 0, calls: new Set() };
      fns.set(cur.name, cur);
      if (section === '.text') textStarts.set(parseInt(head[1], 16), cur.name);
      lastLoad = undefined;
      continue;
    }
    if (!cur) continue;
    for (const m of line.matchAll(/r10 - (\d+)/g)) cur.frame = Math.max(cur.frame, Number(m[1]));
    const ld = /^\s+\d+:\s+r\d+ = (\d+) ll/.exec(line);
    if (ld?.[1]) {
      lastLoad = Number(ld[1]);
      continue;
    }
    const call = /R_BPF_64_32\s+(\S+)/.exec(line);
    if (call?.[1]) cur.calls.add(call[1]);
    if (/R_BPF_64_64\s+\.text$/.test(line.trim()) && lastLoad !== undefined) pendingCallbacks.push({ fn: cur, offset: lastLoad });
    if (/^\s+\d+:/.test(line)) lastLoad = undefined;
  }
  for (const p of pendingCallbacks) {
    const target = textStarts.get(p.offset);
    if (target) p.fn.calls.add(target);
  }
  return fns;
}

/** The deepest chain of every program (a function outside .text) of a disassembly. */
export function stackChains(objdump: string): StackChain[] {
  const fns = parseFunctions(objdump);
  const memo = new Map<string, { bytes: number; path: string[] }>();
  const deepest = (name: string, seen: ReadonlySet<string>): { bytes: number; path: string[] } => {
    const known = memo.get(name);
    if (known) return known;
    const f = fns.get(name);
    if (!f || seen.has(name)) return { bytes: 0, path: [] }; // recursion is refused by the verifier anyway
    const inner = new Set(seen).add(name);
    let best = { bytes: 0, path: [] as string[] };
    for (const c of f.calls) {
      const d = deepest(c, inner);
      if (d.bytes > best.bytes) best = d;
    }
    const out = { bytes: round32(f.frame) + best.bytes, path: [name, ...best.path] };
    memo.set(name, out);
    return out;
  };
  return [...fns.values()].filter((f) => f.section !== '.text').map((f) => {
    const d = deepest(f.name, new Set());
    return { program: f.name, section: f.section, bytes: d.bytes, path: d.path };
  });
}
