"""Benchmark client, Python: one MCP session (the official MCP Python SDK,
Streamable HTTP over Python's ssl, i.e. OpenSSL's libssl) calling one tool in
a loop for a bounded time; prints "calls errors seconds", as mcp-loop.ts.
argv: serverUrl tool seconds argsJson. The server's certificate: SSL_CERT_FILE."""
import asyncio
import json
import sys
import time

from mcp import Client

WARMUP = 20


async def main() -> None:
    url, tool, seconds, args = sys.argv[1], sys.argv[2], float(sys.argv[3]), json.loads(sys.argv[4])
    async with Client(url.rstrip("/") + "/mcp") as client:

        async def call() -> bool:
            try:
                r = await client.call_tool(tool, args)
                return not r.is_error
            except Exception:  # a blocked call is an error, not a failure of the benchmark
                return False

        for _ in range(WARMUP):
            await call()
        calls = errors = 0
        t0 = time.monotonic()
        while time.monotonic() - t0 < seconds:
            if not await call():
                errors += 1
            calls += 1
        print(f"{calls} {errors} {time.monotonic() - t0:.3f}", flush=True)


asyncio.run(main())
