/**
 * The BPF call-chain stack of every program the node agent loads, from the
 * built objects' disassembly (hack/bpf-stack.ts): at most 512 bytes, the
 * limit kernels before ~6.7 enforce on a chain that includes bpf_loop
 * callbacks (6.1 refused two programs at 544: this machine's kernel loads
 * them, so only this check catches it before the VM matrix). Prints each
 * object's deepest chain and its margin.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { BPF_STACK_LIMIT, parseFunctions, stackChains } from '../../hack/bpf-stack.js';
import { NODE_PROGRAMS } from '../../node-agent/src/bpf/programs.js';
import { need } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';

const SAMPLE = `
Disassembly of section .text:

0000000000000000 <step>:
       0:	*(u32 *)(r10 - 40) = r1
       1:	exit

0000000000000010 <cb>:
       2:	r1 = 7
       3:	call -1
		0000000000000018:  R_BPF_64_32	step
       4:	exit

0000000000000028 <global>:
       5:	*(u64 *)(r10 - 136) = r1
       6:	r2 = 16 ll
		0000000000000030:  R_BPF_64_64	.text
       8:	call 181
       9:	exit

Disassembly of section uprobe:

0000000000000000 <prog>:
       0:	*(u64 *)(r10 - 152) = r1
       1:	r1 = 0 ll
		0000000000000008:  R_BPF_64_64	ziriz_map
       3:	call -1
		0000000000000018:  R_BPF_64_32	global
       4:	exit
`;

describe('bpf: stack of the deepest call chain (512 bytes on kernels before ~6.7)', () => {
  it('reads frames, relocated calls and bpf_loop callbacks from a disassembly', () => {
    const fns = parseFunctions(SAMPLE);
    expect(fns.get('global')?.calls).to.deep.equal(new Set(['cb']));
    expect(fns.get('cb')?.calls).to.deep.equal(new Set(['step']));
    expect(fns.get('prog')?.calls).to.deep.equal(new Set(['global']));
    // 152 -> 160, 136 -> 160, cb's empty frame -> 32, 40 -> 64.
    expect(stackChains(SAMPLE)).to.deep.equal([{ program: 'prog', section: 'uprobe', bytes: 416, path: ['prog', 'global', 'cb', 'step'] }]);
  });

  it('every program of the built objects stays within 512 bytes', function () {
    const objdump = ['/usr/bin/llvm-objdump', ...[19, 18, 17, 16, 15, 14].map((v) => `/usr/bin/llvm-objdump-${v}`)].find((p) => existsSync(p));
    const objects = [...new Set(NODE_PROGRAMS.map((p) => p.object))].map((o) => join(REPO, 'bpf/build', `${o}.bpf.o`));
    need(this, objdump !== undefined && objects.every((o) => existsSync(o)), 'llvm-objdump and the built BPF objects (make -C bpf)');
    const over: string[] = [];
    for (const o of objects) {
      const chains = stackChains(execFileSync(objdump ?? '', ['-dr', '--no-show-raw-insn', o], { encoding: 'utf8', maxBuffer: 64 << 20 }));
      const worst = chains.reduce((a, c) => (c.bytes > a.bytes ? c : a), { program: '', section: '', bytes: 0, path: [] as string[] });
      console.log(`      ${o.split('/').pop() ?? ''}: ${worst.bytes} bytes (${BPF_STACK_LIMIT - worst.bytes} to spare) ${worst.path.join(' > ')}`);
      over.push(...chains.filter((c) => c.bytes > BPF_STACK_LIMIT).map((c) => `${c.program}: ${c.bytes} (${c.path.join(' > ')})`));
    }
    expect(over).to.deep.equal([]);
  });
});
