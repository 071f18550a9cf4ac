import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { describeStdioServer, stdioServerName } from '../../../node-agent/src/calls/stdio-server.js';

describe('stdio server names (Events of calls written to a child\'s stdin)', () => {
  it('names a server by the first words of its command line, paths shortened', () => {
    expect(describeStdioServer(12, ['/usr/bin/node', '/app/dist/customer-mcp-stdio.js', '--port', '9'])).to.equal('node customer-mcp-stdio.js --port (pid 12)');
    expect(describeStdioServer(12, ['python3', '-m', 'mcp_server_git'])).to.equal('python3 -m mcp_server_git (pid 12)');
    expect(describeStdioServer(12, ['/dir/'])).to.equal('/dir/ (pid 12)');
    expect(describeStdioServer(12, [])).to.equal('pid 12');
    const long = describeStdioServer(12, ['x'.repeat(300)]);
    expect(long).to.match(/^x{95}… \(pid 12\)$/);
  });

  it('reads a live process\'s command line, and says "pid N" for one that has gone', async () => {
    const child = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)', 'stdio-name-probe'], { stdio: 'ignore' });
    try {
      const pid = child.pid ?? 0;
      expect(stdioServerName(pid)).to.equal(`node -e setTimeout(() => {}, 20000) (pid ${String(pid)})`);
    } finally {
      child.kill();
    }
    await new Promise((r) => child.once('exit', r));
    expect(stdioServerName(child.pid ?? 0)).to.equal(`pid ${String(child.pid ?? 0)}`);
    expect(stdioServerName(123, '/nonexistent-proc')).to.equal('pid 123');
  });
});
