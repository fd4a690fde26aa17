"""Stop at once, with how to fix it, when a service the suite needs is not reachable."""

import os
import shutil
import socket
import sys
from urllib.parse import urlsplit

DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/lifecycle"
DEFAULT_BROKER = "redis://127.0.0.1:6379/0"
START_PG = "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
START_REDIS = (
    'redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no'
)


def reachable(url: str, default_port: int) -> bool:
    parts = urlsplit(url)
    try:
        with socket.create_connection(
            (parts.hostname or "127.0.0.1", parts.port or default_port), 3
        ):
            return True
    except OSError:
        return False


def main() -> int:
    problems = []
    db = os.environ.get("DATABASE_URL", DEFAULT_DB)
    if db.startswith(("postgres", "pgsql")) and not reachable(db, 5432):
        problems.append(
            f"PostgreSQL is not reachable at {urlsplit(db).netloc}. Start it: {START_PG}"
        )
    broker = os.environ.get("CELERY_BROKER_URL", DEFAULT_BROKER)
    if broker.startswith("redis") and not reachable(broker, 6379):
        problems.append(
            f"Redis is not reachable at {urlsplit(broker).netloc}. Start it: {START_REDIS}"
        )
    if not shutil.which("chromium") and not os.path.exists("/usr/bin/chromium"):
        problems.append(
            "Chromium is missing (browser tests drive /usr/bin/chromium). "
            "Install it: apt-get update && apt-get install -y chromium"
        )
    if db.startswith(("postgres", "pgsql")) and not shutil.which("wrk"):
        problems.append(
            "wrk is missing (the REST API bench's test drives it, issue 19). "
            "Install it: apt-get update && apt-get install -y wrk"
        )
    for problem in problems:
        print(f"make test: {problem}", file=sys.stderr)
    return 2 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
