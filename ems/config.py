"""Configuration defaults. Every key can be overridden by an EMS_<KEY> environment variable."""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Config, Flask

DEFAULTS: dict[str, Any] = {
    # EMS_DATABASE_URL; when unset, a SQLite file in the instance folder
    "DATABASE_URL": None,
    # EMS_SECRET_KEY; when unset, generated once and kept in the instance folder
    "SECRET_KEY": None,
    "SQLITE_BUSY_TIMEOUT_MS": 5000,
    # server-side sessions
    "SESSION_IDLE_MINUTES": 30,
    "SESSION_ABSOLUTE_HOURS": 12,
    # last-seen time is written at most this often, so reads do not all become writes
    "SESSION_TOUCH_SECONDS": 60,
    "SESSION_COOKIE_SECURE": True,
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    # per-account login throttling: this many failures within the window lock the account's logins
    "LOGIN_MAX_FAILURES": 5,
    "LOGIN_FAILURE_WINDOW_MINUTES": 15,
    # argon2 profile name from argon2.profiles (tests use CHEAPEST)
    "PASSWORD_HASH_PROFILE": "RFC_9106_LOW_MEMORY",
    "MAX_CONTENT_LENGTH": 16 * 1024 * 1024,
    # the CSRF token lives as long as the server-side session, which has its own timeouts
    "WTF_CSRF_TIME_LIMIT": None,
    "BABEL_DEFAULT_LOCALE": "en",
    "BABEL_DEFAULT_TIMEZONE": "UTC",
    "PAGE_SIZE": 50,
    # EMS_API_RATE_LIMIT_PER_MINUTE: requests one API token may make per clock minute
    "API_RATE_LIMIT_PER_MINUTE": 120,
    # EMS_PUBLIC_URL: the address people reach ems at (https://ems.example.org), shown in the API
    # documentation; when unset, addresses are shown relative to the server
    "PUBLIC_URL": None,
    # EMS_DATABASE_CONNECT_TIMEOUT_SECONDS: PostgreSQL only; a database host that does not answer
    # is reported as unavailable (503) after this long instead of holding the request
    "DATABASE_CONNECT_TIMEOUT_SECONDS": 5,
    # EMS_DATABASE_STATEMENT_TIMEOUT_SECONDS: PostgreSQL only; a statement running longer (a hung
    # lock, a runaway query) is cancelled and the request answered 503
    "DATABASE_STATEMENT_TIMEOUT_SECONDS": 60,
    # EMS_REPORT_ASSETS_DIR: page styles, default logo, fonts and fixed texts of the annual report
    "REPORT_ASSETS_DIR": str(Path(__file__).resolve().parent.parent / "reports"),
    # EMS_JOBS_REDIS_URL: the queue of background jobs (recalculations) on a Redis server
    # (redis://127.0.0.1:6379/0), shared by every web server and `ems worker`; when unset, a
    # SQLite file (EMS_JOBS_QUEUE_FILE, by default in the instance folder) for one machine
    "JOBS_REDIS_URL": None,
    "JOBS_QUEUE_FILE": None,
    # EMS_JOBS_QUEUE_NAME: the queue's name (its Redis keys); installations sharing a Redis
    # server each need their own
    "JOBS_QUEUE_NAME": "ems",
    # EMS_JOBS_IMMEDIATE: run jobs at once inside the request that queues them, no worker
    # (tests, debugging)
    "JOBS_IMMEDIATE": False,
    # a running job's worker writes a sign of life this often; a job silent for
    # JOBS_STALE_SECONDS lost its worker (killed, machine down) and is run once more, then failed
    "JOBS_HEARTBEAT_SECONDS": 5,
    "JOBS_STALE_SECONDS": 60,
}

SECRET_KEY_FILE = "secret_key"  # noqa: S105 (a file name, not a secret)
SQLITE_FILE = "ems.sqlite3"


def finalise(app: Flask) -> None:
    """Derive the settings that depend on others: database URL, secret key, cookie name."""
    config = app.config
    if not config.get("SQLALCHEMY_DATABASE_URI"):
        url = config.get("DATABASE_URL")
        if not url:
            os.makedirs(app.instance_path, exist_ok=True)
            url = "sqlite:///" + str(Path(app.instance_path) / SQLITE_FILE)
        config["SQLALCHEMY_DATABASE_URI"] = url
    config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", _engine_options(config))
    if not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = _instance_secret_key(Path(app.instance_path))
    # the __Host- prefix pins the cookie to this host and path; browsers require Secure for it
    secure = bool(config["SESSION_COOKIE_SECURE"])
    config["SESSION_COOKIE_NAME"] = "__Host-ems_session" if secure else "ems_session"
    config["SESSION_COOKIE_PATH"] = "/"
    config["SESSION_COOKIE_DOMAIN"] = None


def _engine_options(config: Config) -> dict[str, Any]:
    """Pool and driver options: on PostgreSQL, connect, statement and lock timeouts."""
    options: dict[str, Any] = {"pool_pre_ping": True}
    if sa.make_url(config["SQLALCHEMY_DATABASE_URI"]).get_backend_name() == "postgresql":
        statement_ms = int(float(config["DATABASE_STATEMENT_TIMEOUT_SECONDS"]) * 1000)
        connect_seconds = int(config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
        options["connect_args"] = {
            "connect_timeout": connect_seconds,
            "options": f"-c statement_timeout={statement_ms} -c lock_timeout={statement_ms}",
            # a host gone silent on an open connection (what is sent is never acknowledged)
            "tcp_user_timeout": 2 * connect_seconds * 1000,
            "keepalives": 1,
            "keepalives_idle": 30,
            "keepalives_interval": 10,
            "keepalives_count": 3,
        }
        options["pool_timeout"] = int(config["DATABASE_CONNECT_TIMEOUT_SECONDS"])
    return options


def _instance_secret_key(instance_path: Path) -> str:
    """Read the instance's secret key, creating it (readable by the owner only) on first use."""
    key_file = instance_path / SECRET_KEY_FILE
    if key_file.exists():
        return key_file.read_text().strip()
    instance_path.mkdir(parents=True, exist_ok=True)
    key = secrets.token_hex(32)
    try:
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process created it a moment ago
        return key_file.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
    return key
