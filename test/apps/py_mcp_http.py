"""An agent on the official MCP Python SDK over Streamable HTTP (httpx2 on
Python's ssl, i.e. the system's libssl, loaded when ssl is imported):

    python py_mcp_http.py URL CAFILE h1|h2 TOOL=JSON_ARGS...

One session; h2 asks for HTTP/2 (ALPN; needs the h2 package). Prints
"ready", one JSON line per call ({"tool","ok","text"?,"error"?}), then
"done" and the HTTP version the session used.
"""
import asyncio
import ssl
import sys

import httpx2
from mcp import ClientSession
from mcp_calls import call_all
from mcp.client.streamable_http import streamable_http_client


async def main(argv: list[str]) -> None:
    url, cafile, version, calls = argv[0], argv[1], argv[2], argv[3:]
    versions: set[str] = set()

    async def seen(response: httpx2.Response) -> None:
        versions.add(response.http_version)

    tls = ssl.create_default_context(cafile=cafile)
    timeout = httpx2.Timeout(15, read=30)
    async with httpx2.AsyncClient(verify=tls, http2=version == "h2", timeout=timeout, event_hooks={"response": [seen]}) as http:
        async with streamable_http_client(url, http_client=http) as (read, write, *_):
            async with ClientSession(read, write) as session:
                await session.initialize()
                print("ready", flush=True)
                await call_all(session, calls)
    print("done", " ".join(sorted(versions)), flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
