"""A stdio MCP client that splits its messages across writes the way an
adversary would: the server (argv after "--" is its command) is started
with pipes; initialize and the initialized notification are written whole;
then each tools/call of argv (TOOL=JSON_ARGS, before "--") is written in
several os.write calls, as $SPLIT says:
  two    (default) the params first, with neither "jsonrpc" nor "method";
         then the rest, with no tool name
  three  as two, but no write holds a whole "jsonrpc" or "method" key
  junk   a line of garbage first (servers skip it), then the message in the
         same write, cut as in two
With LINK=unix the server command is started with its Unix socket's path
as its last argument, and the messages go over a connection to it instead
of its stdin. Waits at most 5 s for each answer. Prints one JSON line per call
({"tool","ok","answer"}) then "done"."""
import json
import os
import select
import subprocess
import sys

sep = sys.argv.index("--")
calls, server = sys.argv[1:sep], sys.argv[sep + 1:]
env = {k: os.environ[k] for k in ("SIDE_EFFECTS", "PATH") if k in os.environ}
if os.environ.get("LINK") == "unix":
    import socket
    import tempfile
    import time

    path = os.path.join(tempfile.mkdtemp(prefix="split-"), "mcp.sock")
    p = subprocess.Popen(server + [path], stdin=subprocess.DEVNULL, env=env)
    for _ in range(100):  # bounded: at most 10 s for the server to listen
        if os.path.exists(path):
            break
        time.sleep(0.1)
    conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    conn.connect(path)
    wfd, rfile = conn.fileno(), conn.makefile("rb", buffering=0)
else:
    p = subprocess.Popen(server, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, bufsize=0)
    wfd, rfile = p.stdin.fileno(), p.stdout


def send(raw: bytes) -> None:
    os.write(wfd, raw)


def answer(want_id: int) -> dict:
    for _ in range(50):  # bounded: notifications may come first
        if not select.select([rfile], [], [], 5)[0]:
            return {"error": "no answer in 5 s"}
        line = rfile.readline()
        if not line:
            return {"error": "server closed"}
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if msg.get("id") == want_id:
            return msg
    return {"error": "no answer"}


send(json.dumps({"jsonrpc": "2.0", "id": 0, "method": "initialize", "params": {"protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "split", "version": "1"}}}).encode() + b"\n")
answer(0)
send(b'{"jsonrpc":"2.0","method":"notifications/initialized"}\n')
mode = os.environ.get("SPLIT", "two")
for i, call in enumerate(calls, start=1):
    tool, _, raw = call.partition("=")
    head = '{"id":%d,"params":{"name":%s,"arguments":%s},' % (i, json.dumps(tool), raw or "{}")
    if mode == "three":
        parts = [head + '"json', 'rpc":"2.0","met', 'hod":"tools/call"}\n']
    elif mode == "junk":
        parts = ["x\n" + head, '"jsonrpc":"2.0","method":"tools/call"}\n']
    else:
        parts = [head, '"jsonrpc":"2.0","method":"tools/call"}\n']
    for part in parts:
        send(part.encode())
    a = answer(i)
    ok = "result" in a and not a["result"].get("isError", False)
    print(json.dumps({"tool": tool, "ok": ok, "answer": a}), flush=True)
if os.environ.get("LINK") == "unix":
    conn.close()
    p.terminate()
else:
    p.stdin.close()
p.wait(timeout=10)
print("done", flush=True)
