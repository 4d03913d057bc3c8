"""How long a resident file takes to enter the register, beside bare inserts of the same rows.

A street's register is imported once (tens of thousands of residents) and then grid by grid in files of a
few thousand. The benchmark writes a CSV of fictitious residents (valid GB 11643 numbers, mobiles, grids,
buildings and rooms of the demo district; every 20th row broken), imports it through the same use case as
`POST /api/v1/register/residents/import` (parse, check every identifier, place in grid and building, seal
and hash the numbers, history), and in the same run inserts the same number of already-prepared rows
with one executemany: the ratio says what checking and sealing cost over writing alone.

    .venv/bin/python bench/register.py [--rows 5000] [--backend sqlite|postgres|both]
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import uuid
from datetime import date
from pathlib import Path

from sqlalchemy import insert

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.databases import database_url  # noqa: E402

from gridgov.adapters import tables as t  # noqa: E402
from gridgov.adapters.clock import SystemClock  # noqa: E402
from gridgov.bootstrap import bootstrap  # noqa: E402
from gridgov.channels.hotline import read_table  # noqa: E402
from gridgov.domain.identifiers import id_check_character  # noqa: E402
from gridgov.domain.roles import SYSTEM_ACTOR  # noqa: E402
from gridgov.services import register  # noqa: E402
from gridgov.services.ids import new_id  # noqa: E402
from tests.conftest import make_settings, populate  # noqa: E402

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英"


def resident_file(n: int, grids: list[str]) -> bytes:
    rng = random.Random(14)
    out = io.StringIO()
    out.write("姓名,身份证号,手机号,网格,楼栋,房号,人口类型,人户分离\n")
    for i in range(n):
        born = date(1940, 1, 1).toordinal() + rng.randrange(0, 80 * 365)
        body = "440304" + date.fromordinal(born).strftime("%Y%m%d") + f"{i % 1000:03d}"
        number = body + id_check_character(body)
        if i % 20 == 19:
            number = number[:-1] + ("0" if number[-1] != "0" else "1")  # a mistyped check character
        grid = grids[i % len(grids)]
        name = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        out.write(f"{name},{number},13{rng.randrange(10**9):09d},{grid},{i % 40 + 1}栋,{i % 300 + 101},"
                  f"{'流动' if i % 4 == 0 else '常住'},{'是' if i % 9 == 0 else '否'}\n")  # fmt: skip
    return out.getvalue().encode()


def run(backend: str, rows: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, database_url(backend) as url:
        platform = bootstrap(make_settings(Path(tmp), url), clock=SystemClock())
        populate(platform)
        grids = [n.code for n in platform.grids.tree if str(n.level) == "grid"]
        content = resident_file(rows, grids)
        started = time.perf_counter()
        table = read_table(content, "residents.csv")
        now = platform.clock.now()
        with platform.uow() as uow:
            report = register.import_residents(uow, table, actor=SYSTEM_ACTOR, grids=platform.grids, vault=platform.pii,
                                               today=date.today(), now=now, new_id=new_id)  # fmt: skip
        took = time.perf_counter() - started
        prepared = [
            {"id": new_id(now), "name": "x", "id_hash": uuid.uuid4().hex * 2, "id_sealed": "s", "id_masked": "m",
             "phone_hash": None, "phone_sealed": None, "phone_masked": None, "sex": "male", "birth_year": 1980,
             "grid_code": grids[0], "house_id": None, "residence": "permanent", "separated": False,
             "household_no": None, "relation": None, "version": 1, "created_at": now, "updated_at": now}
            for _ in range(len(report.imported))
        ]  # fmt: skip
        started = time.perf_counter()
        with platform.engine.begin() as conn:
            conn.execute(insert(t.register_residents), prepared)
        bare = time.perf_counter() - started
        platform.engine.dispose()
    print(f"{backend}: imported {len(report.imported)} residents ({len(report.rejected)} rows rejected with their "
          f"line) in {took:.2f} s = {rows / took:,.0f} rows/s; bare inserts of the same rows {bare:.2f} s; "
          f"ratio {took / bare:.1f}")  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--backend", choices=("sqlite", "postgres", "both"), default="both")
    args = parser.parse_args()
    for backend in ("sqlite", "postgres") if args.backend == "both" else (args.backend,):
        run(backend, args.rows)


if __name__ == "__main__":
    main()
