"""Waits for breadbox, then gives it data to test against: a household member with the demo
bank connected and its first sync finished (so accounts and transactions exist).
Usage: seed.py BASE_URL FULL_ACCESS_KEY"""

import json
import sys
import time
import urllib.request

BASE, KEY = sys.argv[1], sys.argv[2]


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    req = urllib.request.Request(BASE + path, data=data, method=method)
    req.add_header("X-API-Key", KEY)
    if data is not None:
        req.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.load(resp)


def wait_until(what, ok, seconds=60):
    deadline = time.monotonic() + seconds
    while True:
        try:
            if ok():
                return
        except OSError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"timed out waiting for {what}")
        time.sleep(0.1)


def ready():
    with urllib.request.urlopen(BASE + "/health/ready", timeout=1) as resp:
        return resp.status == 200


wait_until("breadbox to start", ready)
user = call("POST", "/api/v1/users", {"name": "Alex", "email": "alex@example.com"})
conn = call(
    "POST",
    "/api/v1/connections",
    {"provider": "demo", "user_id": user["id"], "credentials": {"username": "demo_good"}},
)
wait_until(
    "the demo sync",
    lambda: (call("GET", f"/api/v1/connections/{conn['id']}/status").get("last_sync") or {}).get(
        "status"
    )
    == "success",
)
count = call("GET", "/api/v1/transactions/count")["count"]
print(f"seeded: user {user['id']}, connection {conn['id']}, {count} transactions", file=sys.stderr)
# For run.sh: the ids schemathesis.toml hands to operations that create things.
print(f"export ST_USER_ID={user['id']} ST_CONNECTION_ID={conn['id']}")
