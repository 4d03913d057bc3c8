"""The demo district's register: a few thousand fictitious residents in the grids of 莲花街道, their
buildings and houses, some shops, and care files with visit plans, some visits late.

Plausible and clearly fake: names are drawn from common surnames and given names; every ID number lies
in 福田区 (440304) with a valid check character but a sequence code of 9xx, and every phone is in the
199 0000 xxxx range no operator has given out in the demo's region. It goes through the same use cases as
an import by a grid worker, so the demo shows what the checks keep.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from gridgov.domain.identifiers import (
    credit_check_character,
    id_check_character,
    organisation_check_character,
)
from gridgov.domain.roles import SYSTEM_ACTOR
from gridgov.services import care, register
from gridgov.services.ids import new_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高梁郑谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程魏苏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建文辉力斌宇浩凯婷雪琳晨阳佳欣"
SHOPS = ("便利店", "水果店", "理发店", "早餐店", "药店", "五金店", "洗衣店", "快递驿站", "茶餐厅", "文具店")
CARE_PLAN = (("elderly_alone", "key"), ("elderly_in_difficulty", "high"), ("disabled", "normal"),
             ("very_old", "key"), ("child_in_difficulty", "high"), ("elderly_empty_nest", "normal"))  # fmt: skip


def _id_number(rng: random.Random, serial: int) -> str:
    born = date(1935, 1, 1) + timedelta(days=rng.randrange(0, 85 * 365))
    body = "440304" + born.strftime("%Y%m%d") + f"9{serial % 100:02d}"
    return body + id_check_character(body)


def seed_register(p, now: datetime, *, residents: int = 2400) -> None:
    rng = random.Random(1414)
    grids = [n for n in p.grids.tree if str(n.level) == "grid"]
    rows, serials = [], set()
    for i in range(residents):
        grid = grids[i % len(grids)]
        number = _id_number(rng, i)
        while number in serials:
            number = _id_number(rng, i)
        serials.add(number)
        rows.append({
            "姓名": rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
            "身份证号": number, "手机号": f"1990000{i:04d}", "网格": grid.code,
            "楼栋": f"{grid.name.removesuffix('网格')}{i % 12 + 1}栋", "房号": f"{i % 30 // 5 + 1}{i % 5 + 1:02d}",
            "人口类型": "流动" if rng.random() < 0.3 else "常住", "人户分离": "是" if rng.random() < 0.15 else "否",
            "户号": f"H{i // 3:05d}", "与户主关系": "户主" if i % 3 == 0 else rng.choice(("配偶", "子女", "父母")),
        })  # fmt: skip
    today = now.date()
    with p.uow() as uow:
        report = register.import_residents(uow, rows, actor=SYSTEM_ACTOR, grids=p.grids, vault=p.pii, today=today,
                                           now=now, new_id=new_id)  # fmt: skip
    shops = []
    for i, grid in enumerate(grids):
        body8 = f"MA5G{i:04d}"
        body17 = "92440304" + body8 + organisation_check_character(body8)
        shops.append({"单位名称": f"{grid.name.removesuffix('网格')}{SHOPS[i % len(SHOPS)]}", "统一社会信用代码":
                      body17 + credit_check_character(body17), "网格": grid.code, "联系电话": f"1990001{i:04d}"})  # fmt: skip
    with p.uow() as uow:
        register.import_organisations(uow, shops, actor=SYSTEM_ACTOR, grids=p.grids, vault=p.pii, now=now, new_id=new_id)
    opened_on = now - timedelta(days=75)
    for n, row in enumerate(report.imported[::40]):
        category, tier = CARE_PLAN[n % len(CARE_PLAN)]
        with p.uow() as uow:
            made = care.open_care_file(
                uow, actor=SYSTEM_ACTOR, resident_id=row["resident_id"], category=category, tier=tier,
                contacts=[{"name": rng.choice(SURNAMES) + rng.choice(GIVEN), "relation": "子女", "phone": f"1990002{n:04d}"}],
                notes=None, vault=p.pii, calendar=p.policy.calendar, today=opened_on.date(), now=opened_on, new_id=new_id,
            )  # fmt: skip
        if n % 3:  # two in three were visited lately; the others are late on the desk's overdue list
            visited = now - timedelta(days=rng.randrange(1, 6))
            with p.uow() as uow:
                care.record_visit(
                    uow, actor=SYSTEM_ACTOR, care_id=made["id"], client_ref=f"demo-{n}", note="上门探访，身体状况良好",
                    photos=[], lon=None, lat=None, visited_at=visited, calendar=p.policy.calendar,
                    local_date=lambda moment: moment.date(), now=now, new_id=new_id,
                )  # fmt: skip
