"""The demo district: 莲花街道 of Futian, Shenzhen, with its departments, social entities, one account
per role and a few hundred historical cases in every state over the last 60 days.

Everything is created through the message bus, exactly as users would create it, with a clock that
walks through the past; so the demo's timelines, outbox and versions are real.
"""

from __future__ import annotations

import random
import shutil
from datetime import UTC, datetime, timedelta

from gridgov.adapters.clock import FixedClock, SystemClock
from gridgov.bootstrap import Platform, bootstrap
from gridgov.config import Settings
from gridgov.demo.district import build_demo_geojson, demo_sample_points
from gridgov.demo.register import seed_register
from gridgov.domain.commands import ActOnCase, CreateUnit, CreateUser, ImportGrids, ReportCase
from gridgov.domain.errors import DomainError
from gridgov.domain.roles import SYSTEM_ACTOR, Role
from gridgov.domain.workflow import Action

DISTRICT = "440304"

# (username, role, display name); the names are the demo's promise in the README and the landing page.
DEMO_USERS = [
    ("resident", Role.RESIDENT, "林女士"),
    ("gridworker", Role.GRID_WORKER, "网格员 陈志强"),
    ("property", Role.ENTITY_STAFF, "景华物业 王经理"),
    ("handler", Role.HANDLER, "城管执法 刘队员"),
    ("dispatcher", Role.DISPATCHER, "指挥中心 张调度"),
    ("supervisor", Role.SUPERVISOR, "监督中心 赵核查"),
    ("leader", Role.LEADER, "街道办 周主任"),
    ("admin", Role.ADMIN, "系统管理员"),
]

DEPARTMENTS = [
    ("dept-chengguan", "福田区城市管理和综合执法局", "urban_management"),
    ("dept-zhujian", "福田区住房和建设局", "housing_construction"),
    ("dept-huanbao", "深圳市生态环境局福田管理局", "environment"),
    ("dept-shuiwu", "福田区水务局", "water"),
    ("dept-xiaofang", "福田区消防救援大队", "fire"),
    ("dept-lianhua-zhifa", "莲花街道综合行政执法队", "street_enforcement"),
    ("dept-minzheng", "福田区民政局", "civil_affairs"),
    ("dept-shangwu", "福田区商务局", "commerce"),
    ("dept-jiaoyu", "福田区教育局", "education"),
    ("dept-weijian", "福田区卫生健康局", "health"),
    ("dept-renshe", "福田区人力资源局", "human_resources"),
    ("dept-yuanlin", "福田区城市绿化管理所", "landscaping"),
    ("dept-gongan", "福田公安分局莲花派出所", "public_security"),
    ("dept-jiaojing", "福田交警大队", "traffic_police"),
    ("dept-jiaotong", "深圳市交通运输局福田管理局", "transport"),
]
# Utilities act on their own networks (燃气、供电、通信) as social entities under the street.
UTILITIES = [
    ("util-ranqi", "深圳燃气福田分公司", "gas"),
    ("util-gongdian", "深圳供电局福田供电分局", "power_supply"),
    ("util-tongxin", "通信运营商福田网格", "telecom"),
]

# What residents and grid workers report in this district (category code, the unit type that usually
# acts, texts).
# The texts follow the scenarios of the field reports in shared/context (出店经营, 垃圾满溢, 乱堆物料 …).
CASE_TEMPLATES = [
    ("E0102", "sanitation", ["{place}路边有一堆生活垃圾无人清理，天热味道很大", "{place}垃圾桶满溢，垃圾散落一地"]),
    ("E0503", "street_enforcement", ["{place}有流动摊贩占道卖水果，影响行人通行", "{place}早餐店出店经营，桌椅摆到人行道上"]),
    ("E0110", "property_company", ["{place}楼道里堆放大量纸箱杂物，堵塞消防通道", "{place}小区空地乱堆装修建材"]),
    ("C0103", "urban_management", ["{place}人行道井盖破损松动，有行人差点踩空", "{place}雨水井盖缺失，夜间很危险"]),
    ("C0108", "urban_management", ["{place}一排路灯连续三晚不亮，晚上很黑", "{place}路灯杆倾斜，灯罩脱落"]),
    ("E0504", "street_enforcement", ["{place}消防通道长期被私家车占用", "{place}共享单车乱停放，堵住盲道"]),
    ("E0507", "environment", ["{place}工地夜间施工噪音很大，影响休息", "{place}商铺音响声音太大，扰民"]),
    ("E0402", "water", ["{place}路面积水严重，疑似水管破裂漏水", "{place}小区外供水管道漏水，水流到马路上"]),
    ("E0508", "fire", ["{place}有居民从楼上拉电线给电动车充电", "{place}楼道内电动车停放充电，存在火灾隐患"]),
    ("E0101", "housing_construction", ["{place}楼顶有人违规搭建铁皮房", "{place}一楼商铺私自扩建雨棚"]),
]
PLACES = ["景华新村", "彩田花园", "梅岭新村", "康欣园", "福中路口", "莲花北村", "紫荆路", "景田东路", "香梅路", "红荔西路"]
CHANNELS = ["grid_app"] * 5 + ["resident_app"] * 3 + ["hotline_12345"] * 2 + ["desk"]


def build_demo(settings: Settings, *, password: str = "demo", cases: int = 400, keep: bool = False) -> Platform:
    """Build (or, with keep, reuse) the demo under settings.data_dir and return the live platform."""
    db_file = settings.data_dir / "gridgov.db"
    if keep and db_file.exists():
        return bootstrap(settings)
    if settings.data_dir.exists():
        shutil.rmtree(settings.data_dir)
    now = datetime.now(UTC).replace(microsecond=0)
    clock = FixedClock(now - timedelta(days=61))
    seeding = bootstrap(settings.model_copy(update={"fast_password_hashing": False}), clock=clock)
    units = seed_directory(seeding, password)
    _devices(seeding)
    _history(seeding, clock, now, units, cases)
    _close_history(seeding, now)
    seed_register(seeding, now)  # issue 14: residents, shops and care files of the grids
    seeding.engine.dispose()
    platform = bootstrap(settings, clock=SystemClock())
    return platform


def _devices(p: Platform) -> None:
    """A few AI cameras, a CO sensor and an SOS button of an elderly resident living alone, so the
    machine channels can be tried at once (POST /api/v1/intake/camera …)."""
    points = demo_sample_points(4, seed=11)
    rows = [
        ("cam-jinghua-north", "camera", "景华新村北门AI摄像头", None),
        ("cam-caitian-market", "camera", "彩田市场AI摄像头", None),
        ("co-garage-3", "sensor", "景华新村3栋地下车库CO传感器", None),
        ("sos-chen-bo", "sos_button", "陈伯家一键呼",
         {"name": "陈伯", "phone": "13700001111", "address": "景华新村5栋302", "contacts": [{"name": "陈女士(女儿)", "phone": "13800002222"}]}),
    ]  # fmt: skip
    with p.uow() as uow:
        for (device_id, kind, name, person), (lon, lat, grid) in zip(rows, points, strict=True):
            uow.devices.put({"id": device_id, "kind": kind, "name": name, "lon": lon, "lat": lat, "grid_code": grid, "person": person, "active": True})
        uow.commit()


def _close_history(p: Platform, now: datetime) -> None:
    """The generated past is settled: its events are not fed to triage and notifications again, its
    past-due timers do not fire at start-up, and the cases left in 'reported' wait for a dispatcher."""
    from sqlalchemy import update

    from gridgov.adapters import tables as t

    with p.engine.begin() as conn:
        conn.execute(update(t.outbox).values(published_at=now))
        # warnings and escalations of the generated past are not replayed at start-up
        conn.execute(update(t.case_timers).where(t.case_timers.c.due_at <= now).values(fired_at=now))
        conn.execute(
            update(t.cases)
            .where(t.cases.c.status == "reported")
            .values(triaged_at=now, triage_reason="earlier case: waiting for a dispatcher")
        )


def seed_directory(p: Platform, password: str) -> dict[str, list[str]]:
    bus = p.bus
    bus.handle(ImportGrids(actor=SYSTEM_ACTOR, feature_collection=build_demo_geojson()))
    tree = p.grids.tree
    street = next(n for n in tree if str(n.level) == "street")
    communities = [n for n in tree if str(n.level) == "community"]
    by_type: dict[str, list[str]] = {}

    def unit(uid: str, name: str, kind: str, unit_type: str, grids: list[str]) -> None:
        bus.handle(
            CreateUnit(actor=SYSTEM_ACTOR, unit_id=uid, name=name, kind=kind, unit_type=unit_type, grid_codes=tuple(grids))
        )
        by_type.setdefault(unit_type, []).append(uid)

    for uid, name, unit_type in DEPARTMENTS:
        unit(uid, name, "department", unit_type, [street.code])
    for i, community in enumerate(communities, start=1):
        short = community.name.removesuffix("社区")
        unit(f"wuye-{i}", f"{short}物业服务中心", "social_entity", "property_company", [community.code])
        unit(f"sq-{i}", f"{short}社区工作站", "department", "community", [community.code])
    unit("huanwei-lianhua", "莲花街道环卫服务公司", "social_entity", "sanitation", [street.code])
    for uid, name, unit_type in UTILITIES:
        unit(uid, name, "social_entity", unit_type, [street.code])
    first_community = communities[0]
    for username, role, name in DEMO_USERS:
        unit_id = {"property": "wuye-1", "handler": "dept-chengguan"}.get(username)
        grid = {"gridworker": first_community.code}.get(username)
        bus.handle(
            CreateUser(
                actor=SYSTEM_ACTOR,
                username=username,
                password=password,
                role=role,
                display_name=name,
                unit_id=unit_id,
                grid_code=grid,
                phone="13800138000" if role is Role.RESIDENT else None,
                allow_demo_name=True,
            )
        )
    return by_type


def _actors(p: Platform) -> dict[str, object]:
    with p.uow() as uow:
        return {u.username: u.as_actor() for u in uow.users.list()}


def _history(p: Platform, clock: FixedClock, now: datetime, units: dict[str, list[str]], count: int) -> None:
    rng = random.Random(2026)
    actors = _actors(p)
    points = demo_sample_points(count, seed=7)
    reported = sorted(now - timedelta(minutes=rng.randint(5, 60 * 24 * 60)) for _ in range(count))
    # the newest cases show every state once, whatever the random draws; the rest follow STOP_WEIGHTS
    forced = dict(zip(range(count - len(STOP_WEIGHTS), count), STOP_WEIGHTS, strict=True)) if count >= 2 * len(STOP_WEIGHTS) else {}
    for i, (at, (lon, lat, _grid)) in enumerate(zip(reported, points, strict=False)):
        clock.set(at)
        category, unit_type, texts = rng.choice(CASE_TEMPLATES)
        channel = rng.choice(CHANNELS)
        reporter = actors["gridworker"] if channel == "grid_app" else actors["resident"]
        if channel in ("hotline_12345", "desk"):
            reporter = actors["dispatcher"]
        text = rng.choice(texts).format(place=rng.choice(PLACES))
        result = p.bus.handle(
            ReportCase(
                actor=reporter,
                description=text,
                lon=lon,
                lat=lat,
                channel=channel,
                category=category,
                address=None,
                reporter_name="林女士" if reporter is actors["resident"] else None,
                reporter_phone="13800138000" if reporter is actors["resident"] else None,
            )
        )
        unit_id = rng.choice(units.get(unit_type) or units["urban_management"])
        _walk(p, clock, now, rng, result.case_id, reporter, unit_id, actors, forced.get(i))


# Where a case's story stops (besides running into "now"): every state of the lifecycle is on show.
STOP_WEIGHTS = {
    "reported": 5, "rejected": 4, "accepted": 3, "returned": 3, "dispatched": 6, "in_progress": 8,
    "handled": 6, "verified": 3, "closed": 30, "rated": 32,
}  # fmt: skip


def _walk(p, clock, now, rng, case_id, reporter, unit_id, actors, stop: str | None = None) -> None:
    """Move one case along its life as far as its planned stop and its age allow, with plausible
    delays and the odd detour (rework)."""
    dispatcher, supervisor = actors["dispatcher"], actors["supervisor"]
    staff = _unit_actor(p, unit_id, actors)
    drawn = rng.choices(list(STOP_WEIGHTS), weights=list(STOP_WEIGHTS.values()))[0]
    if stop is None and now - clock.now() > timedelta(days=4) and drawn not in ("closed", "rated", "rejected") and rng.random() < 0.9:
        drawn = rng.choice(["closed", "rated"])  # old cases are mostly settled; a few stay stuck (overdue)
    stop = stop or drawn
    version = 1

    def step(actor, action, minutes, **fields) -> bool:
        nonlocal version
        at = clock.now() + timedelta(minutes=minutes)
        if at >= now:
            return False
        clock.set(at)
        try:
            p.bus.handle(ActOnCase(actor=actor, case_id=case_id, action=action, expected_version=version, fields=fields))
        except DomainError:
            return False
        version += 1
        return True

    if stop == "reported":
        return
    if stop == "rejected":
        step(dispatcher, Action.REJECT, rng.randint(5, 90), reason="重复上报，已有同一问题的案件")
        return
    if not step(dispatcher, Action.ACCEPT, rng.randint(3, 60)) or stop == "accepted":
        return
    if not step(dispatcher, Action.DISPATCH, rng.randint(5, 120), unit_id=unit_id) or stop == "dispatched":
        return
    if stop == "returned":
        step(staff, Action.RETURN, rng.randint(10, 240), reason="不属于本单位职责范围")
        return
    if not step(staff, Action.CLAIM, rng.randint(5, 90)) or stop == "in_progress":
        return
    handle_minutes = rng.choices([rng.randint(20, 240), rng.randint(240, 3 * 1440), rng.randint(3 * 1440, 6 * 1440)], weights=[70, 22, 8])[0]
    if not step(staff, Action.HANDLE, handle_minutes, result="已到现场处置完毕，现场已恢复整洁。"):
        return
    if rng.random() < 0.08:
        if not step(supervisor, Action.REWORK, rng.randint(30, 600), reason="现场复核仍有残留，请返工"):
            return
        if not step(staff, Action.HANDLE, rng.randint(60, 1440), result="已返工处理，现场已清理干净。"):
            return
    if stop == "handled" or not step(supervisor, Action.VERIFY, rng.randint(30, 720)) or stop == "verified":
        return
    if not step(dispatcher, Action.CLOSE, rng.randint(5, 180)) or stop == "closed":
        return
    if reporter is actors["dispatcher"]:
        return
    score = rng.choices([5, 4, 3, 2, 1], weights=[60, 22, 10, 5, 3])[0]
    step(reporter, Action.RATE, rng.randint(60, 2880), score=score, comment="处理很及时" if score >= 4 else "处理偏慢")


def _unit_actor(p: Platform, unit_id: str, actors):
    """The demo account of the unit if there is one, else a system stand-in acting for that unit."""
    for name in ("property", "handler"):
        if actors[name].unit_id == unit_id:
            return actors[name]
    from gridgov.domain.roles import Actor

    return Actor(user_id=f"staff-{unit_id}", role=Role.HANDLER, name=f"{unit_id} 值班人员", unit_id=unit_id)
