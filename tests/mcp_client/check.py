"""An independent MCP client against a running `breadbox serve --demo`: the official Python
SDK (`mcp` on PyPI) over Streamable HTTP and over `breadbox mcp` (stdio).

It initializes (both the modern discover probe and the legacy handshake), lists the tools,
calls every read tool against demo data, creates a hosted-link session and polls it, checks
that a read_only key cannot call trigger_sync, and does the same over the stdio bridge.

Usage: python check.py BASE_URL FULL_ACCESS_KEY READ_ONLY_KEY PATH_TO_BREADBOX
(`.ci/run` starts the server and mints the keys; this script adds a user and a demo
connection through the REST API and waits for its first sync.)
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from decimal import Decimal
from typing import Any

import httpx2
from mcp import Client, StdioServerParameters
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

READ_TOOLS = {
    "list_users",
    "list_connections",
    "get_connection",
    "list_accounts",
    "query_transactions",
    "get_transaction",
    "count_transactions",
    "summarize_transactions",
    "list_sync_logs",
    "list_providers",
    "get_link_session",
}
WRITE_TOOLS = {"trigger_sync", "create_link_session", "relink_connection"}

passed = 0
failed = 0


def check(cond: bool, what: str) -> None:
    global passed, failed
    if cond:
        passed += 1
        print(f"ok   {what}")
    else:
        failed += 1
        print(f"FAIL {what}")


def http_client(url: str, headers: dict[str, str], mode: str = "auto") -> Client:
    transport = streamable_http_client(url, http_client=create_mcp_http_client(headers=headers))
    return Client(transport, mode=mode, raise_exceptions=True)


async def data(client: Client, tool: str, args: dict[str, Any] | None = None) -> dict[str, Any]:
    result = await client.call_tool(tool, args or {})
    if result.is_error:
        raise AssertionError(f"{tool} failed: {result.content}")
    body = result.structured_content
    # The text block carries the same JSON; parse it with exact decimals to check amounts.
    text = json.loads(result.content[0].text, parse_float=Decimal)
    check(isinstance(body, dict) and text.keys() == body.keys(), f"{tool}: structured and text agree")
    return text


def error_code(result: Any) -> str | None:
    if not result.is_error:
        return None
    return (result.structured_content or {}).get("error", {}).get("code")


async def every_read_tool(client: Client, label: str) -> None:
    tools = {t.name: t for t in (await client.list_tools()).tools}
    check(set(tools) == READ_TOOLS | WRITE_TOOLS, f"{label}: 14 tools listed")
    for name, tool in tools.items():
        hints = tool.annotations
        check(
            hints is not None and hints.read_only_hint == (name in READ_TOOLS) and tool.output_schema is not None,
            f"{label}: {name} has annotations and an output schema",
        )

    users = await data(client, "list_users")
    check(len(users["data"]) >= 1 and "next_cursor" in users["pagination"], f"{label}: list_users")
    conns = await data(client, "list_connections", {"status": "active"})
    check(len(conns["data"]) >= 1, f"{label}: list_connections")
    conn_id = conns["data"][0]["id"]
    conn = await data(client, "get_connection", {"id": conn_id})
    check(conn["last_sync"] is not None and conn["last_sync"]["status"] == "success", f"{label}: get_connection")
    accounts = await data(client, "list_accounts", {"connection_id": conn_id})
    check(all(isinstance(a["balance_current"], Decimal) for a in accounts["data"]), f"{label}: list_accounts")

    page = await data(client, "query_transactions", {"iso_currency_code": "USD", "min_amount": 1, "limit": 5})
    check(len(page["data"]) == 5 and page["pagination"]["has_more"], f"{label}: query_transactions page 1")
    check(all(t["amount"] >= 1 and t["iso_currency_code"] == "USD" for t in page["data"]), f"{label}: filters hold")
    nxt = await data(
        client,
        "query_transactions",
        {"iso_currency_code": "USD", "min_amount": 1, "limit": 5, "cursor": page["pagination"]["next_cursor"]},
    )
    check(nxt["data"][0]["id"] != page["data"][0]["id"], f"{label}: query_transactions cursor")
    first = page["data"][0]
    tx = await data(client, "get_transaction", {"id": first["short_id"]})
    check(tx == first, f"{label}: get_transaction equals the listed row")
    count = await data(client, "count_transactions", {"iso_currency_code": "USD", "min_amount": 1})
    check(count["count"] > 5, f"{label}: count_transactions")
    summary = await data(client, "summarize_transactions", {"group_by": "month"})
    currencies = {t["iso_currency_code"] for t in summary["totals"]}
    check(len(summary["totals"]) == len(currencies) >= 1, f"{label}: one total per currency")
    total = sum(g["total_amount"] for g in summary["data"] if g["iso_currency_code"] == "USD")
    usd = next(t for t in summary["totals"] if t["iso_currency_code"] == "USD")
    check(total == usd["total_amount"], f"{label}: summary groups add up exactly")
    logs = await data(client, "list_sync_logs", {"connection_id": conn_id})
    check(len(logs["data"]) >= 1, f"{label}: list_sync_logs")
    providers = await data(client, "list_providers")
    check(any(p["name"] == "demo" and p["configured"] for p in providers["data"]), f"{label}: list_providers")

    created = await data(client, "create_link_session", {"user_id": users["data"][0]["id"], "provider": "demo"})
    check("/link/" in created["url"] and created["status"] == "pending", f"{label}: create_link_session")
    polled = await data(client, "get_link_session", {"id": created["id"]})
    check(polled["status"] == "pending" and polled["id"] == created["id"], f"{label}: get_link_session polls")

    missing = await client.call_tool("get_transaction", {"id": "Ab3dE6gH"})
    check(error_code(missing) == "NOT_FOUND", f"{label}: errors are tool errors with stable codes")


async def read_only(client: Client, label: str) -> None:
    names = {t.name for t in (await client.list_tools()).tools}
    check(names == READ_TOOLS, f"{label}: a read_only key lists only read tools")
    refused = await client.call_tool("trigger_sync", {})
    check(error_code(refused) == "FORBIDDEN", f"{label}: a read_only key cannot call trigger_sync")
    users = await data(client, "list_users")
    check(len(users["data"]) >= 1, f"{label}: a read_only key reads")


async def demo_data(base: str, key: str) -> None:
    async with httpx2.AsyncClient(base_url=base, headers={"X-API-Key": key}) as h:
        user = (await h.post("/api/v1/users", json={"name": "CI Agent"})).json()
        body = {"provider": "demo", "user_id": user["id"], "credentials": {"username": "demo_good"}}
        conn = (await h.post("/api/v1/connections", json=body)).json()
        deadline = time.monotonic() + 60
        while True:
            status = (await h.get(f"/api/v1/connections/{conn['id']}/status")).json()
            last = status["last_sync"]
            if last is not None and last["status"] != "in_progress":
                break
            if time.monotonic() > deadline:
                raise AssertionError(f"the demo sync did not finish: {status}")
            await asyncio.sleep(0.05)


async def main(base: str, key: str, ro_key: str, binary: str) -> None:
    await demo_data(base, key)
    url = f"{base}/mcp"
    async with http_client(url, {"X-API-Key": key}) as c:
        await every_read_tool(c, "http")
    async with http_client(url, {"Authorization": f"Bearer {key}"}, mode="legacy") as c:
        users = await data(c, "list_users")
        check(len(users["data"]) >= 1, "http legacy handshake with a Bearer key")
    async with http_client(url, {"X-API-Key": ro_key}) as c:
        await read_only(c, "http")

    def stdio(k: str) -> Client:
        params = StdioServerParameters(
            command=binary, args=["mcp", "--server", base], env={"BREADBOX_API_KEY": k, "RUST_LOG": "warn"}
        )
        return Client(params, raise_exceptions=True)

    async with stdio(key) as c:
        await every_read_tool(c, "stdio")
    async with stdio(ro_key) as c:
        await read_only(c, "stdio")


if __name__ == "__main__":
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    asyncio.run(main(*sys.argv[1:]))
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)
