"""An agent on the official MCP Python SDK that starts its MCP server as a
child over stdio (stdio_client: the child's stdin and stdout are pipes) and
calls tools.

    python stdio_agent.py CMD ARGS... -- TOOL=JSON_ARGS...

Prints one JSON line per call ({"tool","ok","text"?,"error"?}), then "done".
The child gets SIDE_EFFECTS and PATH from this process's environment.
"""
import asyncio
import os
import sys

from mcp import ClientSession, StdioServerParameters
from mcp_calls import call_all
from mcp.client.stdio import stdio_client


async def main(argv: list[str]) -> None:
    sep = argv.index("--")
    command, args, calls = argv[0], argv[1:sep], argv[sep + 1:]
    env = {k: os.environ[k] for k in ("SIDE_EFFECTS", "PATH") if k in os.environ}
    params = StdioServerParameters(command=command, args=args, env=env)
    async with stdio_client(params) as (read, write):
        async with ClientSession(read, write) as session:
            await session.initialize()
            await call_all(session, calls)
    print("done", flush=True)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
