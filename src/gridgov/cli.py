"""The `gridgov` command: serve, demo, database and directory chores.

Every failure a user can cause ends with a one-line message on stderr and a non-zero exit, never a
traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import getpass
import json
import sys
from pathlib import Path

from gridgov.config import Settings
from gridgov.domain.errors import DomainError


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DomainError as exc:
        print(f"gridgov: {exc.detail}", file=sys.stderr)
        for problem in exc.extra.get("problems", []) or []:
            if isinstance(problem, dict):
                print(f"  - feature {problem['feature_id']}: {problem['message']}", file=sys.stderr)
            else:
                print(f"  - {problem}", file=sys.stderr)
        return 1
    except (OSError, ValueError) as exc:
        print(f"gridgov: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gridgov", description="一网统管: grid-based community governance")
    sub = parser.add_subparsers(metavar="command")

    p = sub.add_parser(
        "serve", help="run the API, pages and live feed (plus the loops GRIDGOV_BACKGROUND names) over GRIDGOV_* settings"
    )
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("demo", help="build the demo district (fresh each time) and serve it")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.add_argument("--public", action="store_true",
                   help="allow a --host other than loopback; the accounts then get a random password unless --password")
    p.add_argument("--password", default=None, help="password of every demo account (default: demo on loopback)")
    p.add_argument("--data-dir", default="var/demo", help="where the demo database and photos live")
    p.add_argument("--cases", type=int, default=400, help="historical cases to generate (default 400)")
    p.add_argument("--keep", action="store_true", help="reuse an existing demo database instead of rebuilding")
    p.add_argument("--no-serve", action="store_true", help="build the demo and exit")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("db", help="database schema")
    dbsub = p.add_subparsers(metavar="action")
    q = dbsub.add_parser("upgrade", help="apply every migration")
    q.set_defaults(func=cmd_db_upgrade)

    p = sub.add_parser("grids", help="import or export the grid tree (GeoJSON)")
    gsub = p.add_subparsers(metavar="action")
    q = gsub.add_parser("import", help="validate a GeoJSON FeatureCollection and replace the grid tree")
    q.add_argument("file", type=Path)
    q.set_defaults(func=cmd_grids_import)
    q = gsub.add_parser("export", help="write the grid tree as GeoJSON (stdout without a file)")
    q.add_argument("file", type=Path, nargs="?")
    q.set_defaults(func=cmd_grids_export)

    p = sub.add_parser("categories", help="the category table (大类/小类 with grade and 时限)")
    ksub = p.add_subparsers(dest="action", required=True)
    q = ksub.add_parser("import", help="validate a CSV or YAML table and replace the category table")
    q.add_argument("file", type=Path)
    q.set_defaults(func=cmd_categories_import)
    q = ksub.add_parser("export", help="write the category table as CSV or YAML (by the file's suffix; stdout: CSV)")
    q.add_argument("file", type=Path, nargs="?")
    q.set_defaults(func=cmd_categories_export)

    p = sub.add_parser("worker", help="run background loops alone (scale-out): relay, ticker, webhooks, purge, telemetry")
    kinds = ["relay", "ticker", "webhooks", "purge", "telemetry"]
    p.add_argument("kinds", nargs="*", default=kinds, choices=kinds)
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser("brief", help="write the morning brief of a day (it covers the day before) as PDF or HTML")
    p.add_argument("day", help="YYYY-MM-DD")
    p.add_argument("--out", type=Path, required=True, help="file to write; .html gives HTML, anything else PDF")
    p.set_defaults(func=cmd_brief)

    p = sub.add_parser("calendar", help="working calendar")
    csub = p.add_subparsers(metavar="action")
    q = csub.add_parser("check", help="validate a calendar overrides file (YAML/JSON) without applying it")
    q.add_argument("file", type=Path)
    q.set_defaults(func=cmd_calendar_check)
    q = csub.add_parser("show", help="holidays and 调休 workdays of a year")
    q.add_argument("year", type=int)
    q.set_defaults(func=cmd_calendar_show)

    p = sub.add_parser("users", help="user accounts")
    usub = p.add_subparsers(metavar="action")
    q = usub.add_parser("add", help="create an account (password read from stdin or prompted)")
    q.add_argument("username")
    q.add_argument("--role", required=True)
    q.add_argument("--name", default="")
    q.add_argument("--unit")
    q.add_argument("--grid")
    q.set_defaults(func=cmd_users_add)

    try:
        from gridgov import classifier_cli
    except ImportError:  # pragma: no cover - the classifier arrives with the triage issue
        pass
    else:
        classifier_cli.register(sub)
    from gridgov import routing_cli  # issue 11: routing learned from the district's history

    routing_cli.register(sub)
    from gridgov import register_cli  # issue 14: the register's maintenance

    register_cli.register(sub)
    return parser


def _platform(settings: Settings | None = None):
    from gridgov.bootstrap import bootstrap

    return bootstrap(settings or Settings())


def cmd_serve(args) -> int:
    import uvicorn

    from gridgov.api.access_log import uvicorn_log_config
    from gridgov.api.app import create_app

    settings = Settings()
    app = create_app(settings)
    # the access log keeps paths but not query strings (stream tickets, search terms): api/access_log.py
    uvicorn.run(
        app, host=args.host or settings.host, port=args.port or settings.port, log_level="info",
        log_config=uvicorn_log_config(),
    )  # fmt: skip
    return 0


def cmd_demo(args) -> int:
    import uvicorn

    from gridgov.api.app import create_app
    from gridgov.demo.seed import DEMO_USERS, build_demo

    password = _demo_password(args)
    if password is None:
        return 2
    settings = Settings(data_dir=Path(args.data_dir), database_url=None)
    platform = build_demo(settings, password=password, cases=args.cases, keep=args.keep)
    url = f"http://{args.host}:{args.port}"
    print(f"\ngridgov demo district ready at {url}  (API docs: {url}/docs)")
    print("accounts (user / password):")
    for username, role, _name in DEMO_USERS:
        print(f"  {username:<11} / {password:<6}  {role}")
    if not _is_loopback(args.host):
        _warn_public(args.host, password)
    sys.stdout.flush()
    if args.no_serve:
        return 0
    from gridgov.api.access_log import uvicorn_log_config

    uvicorn.run(
        create_app(platform=platform), host=args.host, port=args.port, log_level="warning",
        log_config=uvicorn_log_config(),
    )  # fmt: skip
    return 0


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host.strip().lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def _demo_password(args) -> str | None:
    """The demo accounts' password, or None (after saying why) when the demo must not start.

    Every demo account, admin included, shares one password, so the demo listens on this machine
    only unless `--public` says otherwise; a public demo never gets the well-known `demo` password:
    without `--password` it gets a random one, printed once (safer than refusing, which invites
    `--password demo`)."""
    if _is_loopback(args.host):
        return args.password or "demo"
    if not args.public:
        print(f"gridgov: refusing to serve the demo on {args.host}: every demo account, admin included, "
              "shares one password. Add --public to serve it beyond this machine anyway.", file=sys.stderr)  # fmt: skip
        return None
    if args.password == "demo":
        print("gridgov: a public demo may not use the well-known password 'demo'; leave --password out "
              "for a random one", file=sys.stderr)  # fmt: skip
        return None
    if args.password:
        return args.password
    import secrets

    return secrets.token_urlsafe(12)


def _warn_public(host: str, password: str) -> None:
    line = "!" * 78
    print(f"\n{line}\n!! WARNING: the demo is served on {host}, reachable from other machines.\n"
          f"!! Anyone who reaches it can log in as admin / {password} (and as every other demo account).\n"
          f"!! It holds made-up data only: never load real residents' data into a demo.\n{line}",
          file=sys.stderr, flush=True)  # fmt: skip


def cmd_worker(args) -> int:
    import signal
    import threading

    from gridgov.services.background import loops

    platform = _platform()
    running = loops(platform, set(args.kinds))
    if "relay" in args.kinds:
        platform.relay.start(platform.settings.relay_interval_seconds)
    for loop in running:
        loop.start()
    print(f"gridgov worker running: {', '.join(args.kinds)} (Ctrl-C stops; others may run beside it)", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    with contextlib.suppress(KeyboardInterrupt):
        stop.wait()
    for loop in running:
        loop.stop()
    platform.relay.stop()
    return 0


def cmd_brief(args) -> int:
    """The district brief (as a district-wide leader sees it), the same bytes as GET /api/v1/briefs/DAY.pdf."""
    from datetime import date, timedelta

    from gridgov.domain.roles import Actor, Role
    from gridgov.services import brief

    try:
        day = date.fromisoformat(args.day)
    except ValueError:
        print(f"{args.day!r} is not a date; write YYYY-MM-DD", file=sys.stderr)
        return 2
    platform = _platform()
    with platform.engine.connect() as conn:
        yesterday = day - timedelta(days=1)
        data = brief.build(conn, Actor("cli-brief", Role.LEADER, "brief"), start=yesterday, end=yesterday,
                           tz=platform.settings.timezone, title_day=day)  # fmt: skip
    body = brief.render_html(data).encode("utf-8") if args.out.suffix == ".html" else brief.render_pdf(data)
    args.out.write_bytes(body)
    print(f"wrote {args.out} ({len(body):,} bytes)")
    return 0


def cmd_calendar_check(args) -> int:
    from gridgov.adapters.calendar_source import parse_overrides

    over = parse_overrides(args.file.read_text(encoding="utf-8"))
    print(f"{args.file}: {len(over['holidays'])} holidays, {len(over['workdays'])} workdays, years {sorted(over['years'])}")
    return 0


def cmd_calendar_show(args) -> int:
    from gridgov.adapters.database import make_engine, upgrade
    from gridgov.bootstrap import calendar_in_force

    settings = Settings()
    engine = make_engine(settings.resolved_database_url)
    try:
        upgrade(engine)
        cal = calendar_in_force(settings, engine)  # with the overrides an admin uploaded, as every process has it
    finally:
        engine.dispose()
    flag = " (provisional: holidays not published, weekends only)" if cal.is_provisional(args.year) else ""
    print(f"{args.year}{flag}")
    print("holidays:", " ".join(sorted(d.isoformat() for d in cal.holidays if d.year == args.year)) or "-")
    print("make-up workdays (调休):", " ".join(sorted(d.isoformat() for d in cal.workdays if d.year == args.year)) or "-")
    return 0


def cmd_db_upgrade(args) -> int:
    _platform()
    print("database is at the newest schema")
    return 0


def cmd_grids_import(args) -> int:
    from gridgov.domain.commands import ImportGrids
    from gridgov.domain.roles import SYSTEM_ACTOR

    try:
        data = json.loads(args.file.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        print(f"gridgov: {args.file} is not valid JSON: {exc}", file=sys.stderr)
        return 1
    platform = _platform()
    count = platform.bus.handle(ImportGrids(actor=SYSTEM_ACTOR, feature_collection=data))
    print(f"imported {count} grid nodes")
    return 0


def cmd_grids_export(args) -> int:
    from gridgov.services.grid_index import rows_to_feature_collection

    platform = _platform()
    with platform.uow() as uow:
        text = json.dumps(rows_to_feature_collection(uow.grids.rows()), ensure_ascii=False, indent=1)
    if args.file:
        args.file.write_text(text, encoding="utf-8")
    else:
        print(text)
    return 0


def _is_yaml(path: Path) -> bool:
    return path.suffix.lower() in (".yaml", ".yml")


def cmd_categories_import(args) -> int:
    from gridgov.domain.commands import ImportCategories
    from gridgov.domain.roles import SYSTEM_ACTOR

    text = args.file.read_text(encoding="utf-8-sig")
    platform = _platform()
    fmt = "yaml" if _is_yaml(args.file) else "csv"
    count = platform.bus.handle(ImportCategories(actor=SYSTEM_ACTOR, text=text, fmt=fmt))
    print(f"imported {count} categories")
    return 0


def cmd_categories_export(args) -> int:
    import csv
    import io

    import yaml

    from gridgov.domain.taxonomy import CATEGORY_COLUMNS, category_rows

    with _platform().uow() as uow:
        rows = category_rows(uow.categories.table())
    if args.file and _is_yaml(args.file):
        text = yaml.safe_dump(rows, allow_unicode=True, sort_keys=False)
    else:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=CATEGORY_COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
        text = out.getvalue()
    if args.file:
        args.file.write_text(text, encoding="utf-8")
    else:
        print(text, end="")
    return 0


def cmd_users_add(args) -> int:
    from gridgov.domain.commands import CreateUser
    from gridgov.domain.roles import SYSTEM_ACTOR, Role

    try:
        role = Role(args.role)
    except ValueError:
        print(f"gridgov: unknown role {args.role!r}", file=sys.stderr)
        return 2
    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else getpass.getpass("password: ")
    platform = _platform()
    user = platform.bus.handle(
        CreateUser(
            actor=SYSTEM_ACTOR,
            username=args.username,
            password=password,
            role=role,
            display_name=args.name,
            unit_id=args.unit,
            grid_code=args.grid,
        )
    )
    print(f"created {user.username} ({user.role})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
