/**
 * The ABI check: every struct and enum the TypeScript side reads or writes is
 * compared, member by member, with the BTF of the built BPF objects
 * (bpftool -j btf dump). A field changed in ziriz_abi.h without the matching
 * change in core/abi fails here.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ABI_ENUMS } from '../../core/abi/enums.js';
import { fieldSize } from '../../core/abi/layout.js';
import { ABI_STRUCTS } from '../../core/abi/structs.js';
import { bpfDir } from '../../node-agent/src/bpf/paths.js';
import { need } from '../support/gate.js';

interface BtfMember { name: string; type_id: number; bits_offset: number }
interface BtfEnumValue { name: string; val: number }
interface BtfType {
  id: number;
  kind: string;
  name: string;
  size?: number;
  type_id?: number;
  nr_elems?: number;
  members?: BtfMember[];
  values?: BtfEnumValue[];
}

function dump(obj: string): Map<number, BtfType> {
  const out = execFileSync('bpftool', ['-j', 'btf', 'dump', 'file', obj], { encoding: 'utf8', maxBuffer: 64 << 20 });
  const types = (JSON.parse(out) as { types: BtfType[] }).types;
  return new Map(types.map((t) => [t.id, t]));
}

/** Size in bytes of a BTF type (following typedefs, qualifiers and arrays). */
function sizeOf(types: Map<number, BtfType>, id: number): number {
  const t = types.get(id);
  if (!t) throw new Error(`no BTF type ${id}`);
  switch (t.kind) {
    case 'TYPEDEF':
    case 'CONST':
    case 'VOLATILE':
      return sizeOf(types, t.type_id ?? 0);
    case 'ARRAY':
      return (t.nr_elems ?? 0) * sizeOf(types, t.type_id ?? 0);
    default:
      return t.size ?? 0;
  }
}

describe('ABI: TypeScript layouts match the BTF of the built objects', () => {
  const objects: string[] = [];
  const structs = new Map<string, { obj: string; type: BtfType; types: Map<number, BtfType> }[]>();
  const enums = new Map<string, BtfType>();

  before(function () {
    let files: string[];
    try {
      files = readdirSync(bpfDir()).filter((f) => f.endsWith('.bpf.o'));
    } catch {
      files = [];
    }
    need(this, files.length > 0, `built BPF objects in ${bpfDir()} (make -C bpf)`);
    for (const f of files) {
      const obj = join(bpfDir(), f);
      objects.push(obj);
      const types = dump(obj);
      for (const t of types.values()) {
        if (t.kind === 'STRUCT' && t.name.startsWith('ziriz_')) {
          structs.set(t.name, [...(structs.get(t.name) ?? []), { obj: f, type: t, types }]);
        }
        if (t.kind === 'ENUM' && t.name.startsWith('ziriz_')) enums.set(t.name, t);
      }
    }
  });

  it('finds every ABI struct in at least one object', () => {
    const missing = ABI_STRUCTS.map((s) => s.name).filter((n) => !structs.has(n));
    expect(missing, 'structs absent from every object (abi_btf.bpf.c anchors them)').to.deep.equal([]);
  });

  for (const layout of ABI_STRUCTS) {
    it(`struct ${layout.name}: size, member offsets and sizes`, function () {
      const seen = structs.get(layout.name);
      need(this, seen !== undefined, `struct ${layout.name} in BTF`);
      for (const { obj, type, types } of seen ?? []) {
        expect(type.size, `${obj}: sizeof(${layout.name})`).to.equal(layout.size);
        const btfNames = (type.members ?? []).map((m) => m.name);
        expect(btfNames, `${obj}: members of ${layout.name}`).to.deep.equal(Object.keys(layout.fields));
        for (const m of type.members ?? []) {
          const f = layout.fields[m.name]!;
          expect(m.bits_offset / 8, `${obj}: offsetof(${layout.name}, ${m.name})`).to.equal(f.offset);
          expect(sizeOf(types, m.type_id), `${obj}: sizeof(${layout.name}.${m.name})`).to.equal(fieldSize(f));
        }
      }
    });
  }

  for (const [name, spec] of Object.entries(ABI_ENUMS)) {
    it(`enum ${name}: the same names and values`, function () {
      const t = enums.get(name);
      need(this, t !== undefined, `enum ${name} in BTF`);
      const fromBtf = Object.fromEntries((t?.values ?? []).map((v) => [v.name, v.val]));
      const fromTs = Object.fromEntries(Object.entries(spec.values).map(([k, v]) => [`${spec.prefix}${k}`, v]));
      expect(fromTs).to.deep.equal(fromBtf);
    });
  }
});
