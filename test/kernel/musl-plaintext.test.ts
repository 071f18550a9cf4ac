/**
 * Plaintext calls from a program built against musl libc (the C library of
 * Alpine images), on the real kernel: musl's write(2) wrapper is probed like
 * glibc's, both where Debian installs musl (.../x86_64-linux-musl/libc.so)
 * and under Alpine's name for it (ld-musl-x86_64.so.1, run here as the
 * program's loader from a scratch directory). A denied call never runs (the
 * server's ledger), an allowed one does. Loopback only; the client is built
 * with musl-gcc (Debian musl-tools, installed by hack/setup).
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { need, needRoot } from '../support/gate.js';
import { REPO } from '../support/kustomize.js';
import { ToolRig } from '../support/tool-rig.js';
import { rawToolRequest, toolPolicy as policy } from '../support/tool-policy.js';
import { covers } from '../support/coverage.js';

const MUSL_LIBC = '/usr/lib/x86_64-linux-musl/libc.so';


describe('kernel: plaintext calls of a musl-linked program (Alpine libc)', function () {
  this.timeout(180_000);
  const rig = new ToolRig();
  let dir = '';

  before(async function () {
    needRoot(this);
    need(this, existsSync('/usr/bin/musl-gcc') && existsSync(MUSL_LIBC), 'musl-gcc and musl libc (Debian musl-tools; hack/setup installs it)');
    dir = mkdtempSync(join(tmpdir(), 'ziriz-musl-'));
    execFileSync('musl-gcc', ['-O2', '-o', join(dir, 'musl-writer'), join(REPO, 'test/apps/musl-writer.c')]);
    copyFileSync(MUSL_LIBC, join(dir, 'ld-musl-x86_64.so.1'));
    await rig.start([policy()], { tls: false });
  });

  after(async () => {
    await rig.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const layouts: [string, (prog: string) => string[]][] = [
    ['Debian layout (interpreter /lib/ld-musl-x86_64.so.1 -> x86_64-linux-musl/libc.so)', (prog) => [prog]],
    ["Alpine's name (ld-musl-x86_64.so.1 mapped as itself)", (prog) => [join(dir, 'ld-musl-x86_64.so.1'), prog]],
  ];
  for (const [what, argv] of layouts) {
    it(`${what}: the denied call never runs, the allowed one does`, async () => {
      covers('plaintext through libc (glibc, musl)', 'HTTP/1.1', 'C on musl');
      const send = async (tool: string, id: number): Promise<string> => {
        const file = join(dir, `${tool}.http`);
        writeFileSync(file, rawToolRequest(tool, id));
        const cmd = [...argv(join(dir, 'musl-writer')), String(rig.serverPort), file];
        const p = rig.procs.start('sh', ['-c', `echo $$ > ${rig.cgroupPath}/cgroup.procs && exec "$@"`, 'sh', ...cmd]);
        const fin = await rig.procs.wait(p, 20_000);
        return `${fin.stdout}${fin.stderr}`;
      };
      const before = rig.ranTools().length;
      expect(await send('get_customer', 1)).to.include('Ada');
      const denied = await send('delete_customer', 9);
      expect(rig.ranTools().slice(before)).to.deep.equal(['get_customer']);
      expect(denied).to.not.include('deleted');
    });
  }
});
