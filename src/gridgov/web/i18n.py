"""The screens' words in zh-CN (the default) and English. Pages render in the chosen language; the same
table is handed to the page scripts as `window.T`, so text built in the browser matches."""

from __future__ import annotations

LANGS = ("zh-CN", "en")

WORDS: dict[str, tuple[str, str]] = {
    "app": ("一网统管", "One-Network Governance"),
    "wall": ("指挥大屏", "Command wall"),
    "desk": ("调度台", "Dispatch desk"),
    "report": ("我要上报", "Report a problem"),
    "mine": ("我的上报", "My reports"),
    "inbox": ("待办工单", "My work orders"),
    "login": ("登录", "Log in"),
    "logout": ("退出", "Log out"),
    "username": ("用户名", "User name"),
    "password": ("密码", "Password"),
    "language": ("English", "中文"),
    "wrong_login": ("用户名或密码错误", "Wrong user name or password"),
    "today_received": ("今日受理", "Received today"),
    "today_closed": ("今日办结", "Closed today"),
    "open": ("在办案件", "Open cases"),
    "overdue": ("超期案件", "Overdue"),
    "on_time_rate": ("按期结案率", "Closed on time"),
    "satisfaction_rate": ("满意率", "Satisfaction"),
    "closure_rate": ("结案率", "Closure rate"),  # the KPI registry's name (docs/kpis.md)
    "avg_hours": ("平均处置时长", "Avg. handling time"),
    "hours": ("小时", "h"),
    "legend_overdue": ("有超期", "Overdue"),
    "legend_busy": ("在办≥5", "5+ open"),
    "legend_open": ("有在办", "Open"),
    "legend_none": ("无案件", "None open"),
    "live_feed": ("实时事件", "Live events"),
    "overdue_list": ("超期督办", "Overdue cases"),
    "sensitive": ("敏感事件", "Sensitive events"),
    "by_category": ("案件类别 (近30天)", "Categories (30 days)"),
    "trend": ("近14天受理与办结", "Received and closed, 14 days"),
    "received": ("受理", "Received"),
    "closed": ("办结", "Closed"),
    "connected": ("实时连接", "Live"),
    "disconnected": ("连接中断，重连中…", "Reconnecting…"),
    "nothing": ("暂无", "None"),
    "triage_queue": ("分拨队列", "Triage queue"),
    "cases": ("案件列表", "Cases"),
    "search": ("搜索描述或地址", "Search text or address"),
    "all_statuses": ("全部状态", "All statuses"),
    "overdue_only": ("只看超期", "Overdue only"),
    "select_case": ("从左侧选择一个案件", "Pick a case on the left"),
    "timeline": ("处置过程", "Timeline"),
    "photos": ("照片", "Photos"),
    "result_photos": ("处置照片", "Result photos"),
    "routing": ("分拨依据", "Why it went there"),
    "actions": ("可执行操作", "Actions"),
    "no_actions": ("当前角色无可执行操作", "Nothing you can do on this case"),
    "submit": ("提交", "Submit"),
    "cancel": ("取消", "Cancel"),
    "description": ("问题描述", "What is wrong"),
    "description_hint": ("例如：景华新村5栋楼道堆满杂物", "e.g. rubbish piled up in the stairwell of block 5"),
    "category": ("类别", "Category"),
    "suggested": ("推荐类别", "Suggested category"),
    "photo": ("现场照片", "Photo"),
    "choose_photos": ("拍照或选择照片", "Take or choose photos"),
    "photos_chosen": ("已选 {n} 张", "{n} chosen"),
    "location": ("位置", "Location"),
    "use_my_location": ("使用当前位置", "Use my location"),
    "pick_on_map": ("或在地图上点选位置", "or tap the map to pick the place"),
    "address": ("地址 (可选)", "Address (optional)"),
    "send": ("提交上报", "Send report"),
    "sent": ("已提交，案件编号", "Sent. Case number"),
    "need_location": ("请选择位置", "Please pick the location"),
    "need_description": ("请填写问题描述", "Please describe the problem"),
    "status": ("状态", "Status"),
    "rate": ("评价", "Rate"),
    "rate_prompt": ("问题已办结，请评价", "Closed: how did we do?"),
    "comment": ("评价内容 (可选)", "Comment (optional)"),
    "unit": ("处置单位", "Unit"),
    "due": ("时限", "Due"),
    "grade": ("等级", "Grade"),
    "reason": ("原因", "Reason"),
    "note": ("说明", "Note"),
    "result": ("处置结果", "What was done"),
    "reporter": ("上报人", "Reported by"),
    "passed": ("核查通过", "Verified"),
    "failed_rework": ("不通过，返工", "Not done, rework"),
    "score": ("评分", "Score"),
    "time_limit": ("处置时限 (如 2h、3wd，可选)", "Time limit (e.g. 2h, 3wd; optional)"),
    "loading": ("加载中…", "Loading…"),
    "reported_at": ("上报时间", "Reported"),
    "channel": ("来源", "Channel"),
    "minutes_over": ("超期{n}", "{n} over"),
    "reject": ("作废", "Reject"),
    "dispatch_to": ("派遣至", "Dispatch to"),
    "reset": ("重置", "Reset"),
    "more": ("加载更多", "Load more"),
    "calendar_provisional": ("今年的法定节假日尚未发布：工作日历暂按周末计算，时限仅供参考",
                             "This year's public holidays are not published yet: deadlines count weekends only"),
    "grid": ("所属网格", "Grid"),
    "named_by": ("类别依据：文中“{phrase}” → {category}", "Category from the words “{phrase}” → {category}"),
    "unplaced": ("未定位：请按地址核实位置", "Not placed on the map: check the address"),
    "skip_to_content": ("跳到主要内容", "Skip to content"),
    # why a case went where it went (explain.js renders the API's English clauses with these)
    "rule": ("权责清单规则", "Rule"),
    "why_rule": ("按权责清单“{rule}”派至本单位", "Sent to your unit by the rule “{rule}”"),
    "why_dispatched": ("{who} 派遣", "Dispatched by {who}"),
    "always": ("无条件（兜底规则）", "always (fallback rule)"),
    "not_clause": ("并非（{clause}）", "not ({clause})"),
    "clause": ("{field}{op}{value}", "{field} {op} {value}"),
    "unit_of_grid": ("{grid}的{type}：{unit}", "{type} of {grid}: {unit}"),
    "owner_first": ("部件权属单位 {unit}（先属主）", "component owner {unit} (owner first)"),
    "rule_unit_gone": ("规则 {rule} 指定的单位 {unit} 不存在或已停用", "rule {rule} names unit {unit}, which is unknown or inactive"),
    "rule_no_unit": ("规则 {rule} 命中，但 {grid} 没有{type}", "rule {rule} matched but no {type} covers {grid}"),
    "no_rule": ("权责清单中没有适用的规则", "no rule of the responsibility list matches"),
    "grade_default": ("类别默认 {grade} 级", "category default, grade {grade}"),
    "grade_severity": ("告警级别 {severity}", "alarm severity {severity}"),
    "classifier_unsure": ("AI分类把握不足（{label}，置信度 {confidence}）", "classifier unsure ({label}, confidence {confidence})"),
    "not_placed": ("未能定位到网格", "not placed in any grid"),
    "no_category": ("未确定类别", "no category"),
    "no_unit": ("未找到处置单位：{why}", "no responsible unit: {why}"),
    "not_triaged": ("尚未分拨", "not triaged yet"),
    "legacy_manual": ("历史案件：待调度员人工分拨", "earlier case: waiting for a dispatcher"),
    # triage reasons as codes (services/triage.decide, issue 11): one word per code, `reason.` + code
    "reason.category.named": ("描述点明类别 {category}：{phrase}", "the words name {category}: {phrase}"),
    "reason.category.given": ("上报时已选类别 {category}", "category chosen at reporting: {category}"),
    "reason.category.scene": ("识别场景 {scene} 归入 {category}", "camera scene {scene} files under {category}"),
    "reason.category.classified": ("AI分类：{label}（置信度 {confidence}）", "classifier: {label} (confidence {confidence})"),
    "reason.category.classifier_unsure": ("AI分类把握不足（{label}，置信度 {confidence}）", "classifier unsure ({label}, confidence {confidence})"),
    "reason.category.unsure": ("类别不确定，可能是：{candidates}", "category unsure, perhaps: {candidates}"),
    "reason.category.unknown": ("未知类别 {category}", "unknown category {category}"),
    "reason.category.none": ("未确定类别", "no category"),
    "reason.scene.unknown": ("未知的识别场景：{scene}", "unknown camera scene: {scene}"),
    "reason.place.none": ("未能定位到网格", "not placed in any grid"),
    "reason.routing.none": ("未找到处置单位：{why}", "no responsible unit: {why}"),
    "reason.routing.rule": ("规则 {rule} 派往 {unit}", "rule {rule} sends it to {unit}"),
    "reason.grade.default": ("类别默认 {grade} 级", "category default, grade {grade}"),
    "reason.grade.severity": ("告警级别 {severity}（{grade} 级）", "alarm severity {severity} (grade {grade})"),
    "reason.grade.sos": ("一键呼（{grade} 级）", "one-key SOS (grade {grade})"),
    "reason.grade.words": ("描述含“{words}”（{grade} 级）", "the words say {rule}: {words} (grade {grade})"),
    "reason.grade.sensitive": ("敏感词：{terms}", "sensitive words: {terms}"),
}

ACTIONS = {
    "accept": ("立案", "Accept"), "reject": ("作废", "Reject"), "dispatch": ("派遣", "Dispatch"),
    "claim": ("接单", "Accept the order"), "return": ("退单", "Send back"), "handle": ("处置反馈", "Report the result"),
    "verify": ("核查", "Verify"), "close": ("结案", "Close"), "rate": ("评价", "Rate"), "reopen": ("重新打开", "Reopen"),
    "request_extension": ("申请延期", "Ask for more time"), "approve_extension": ("同意延期", "Approve extension"),
    "deny_extension": ("驳回延期", "Deny extension"), "request_suspension": ("申请挂起", "Ask to pause"),
    "approve_suspension": ("同意挂起", "Approve pause"), "deny_suspension": ("驳回挂起", "Deny pause"),
    "resume": ("恢复", "Resume"), "supervise": ("督办", "Supervise"), "rework": ("返工", "Rework"),
    "handle_on_spot": ("自行处置", "Handled on the spot"),
    "report": ("上报", "Reported"), "triage": ("智能分拨", "Triage"), "join": ("重复上报合并", "Repeat report joined"),
    "merge": ("合并", "Merged"), "split": ("拆分", "Split"), "warn": ("预警", "Warn"), "escalate": ("升级", "Escalate"), "reassign": ("改派", "Reassign"),
}  # fmt: skip

STATUSES = {
    "reported": ("待受理", "Reported"), "accepted": ("已立案", "Accepted"), "rejected": ("已作废", "Rejected"),
    "dispatched": ("已派遣", "Dispatched"), "in_progress": ("处置中", "In progress"), "returned": ("已退单", "Returned"),
    "handled": ("待核查", "To verify"), "verified": ("核查通过", "Verified"), "closed": ("已结案", "Closed"),
    "rated": ("已评价", "Rated"),
}  # fmt: skip


CHANNELS = {
    "grid_app": ("网格员上报", "Grid worker"), "resident_app": ("随手拍", "Resident app"),
    "hotline_12345": ("12345热线", "12345 hotline"), "open311": ("Open311", "Open311"),
    "ai_camera": ("AI视频识别", "AI camera"), "iot_alarm": ("物联感知", "IoT sensor"),
    "sos_button": ("一键呼", "SOS button"), "desk": ("指挥中心录入", "Entered at the desk"),
}  # fmt: skip

# 大类 of the default category table; a deployment's own classes show as written.
MAJORS = {
    "公用设施": ("公用设施", "Public facilities"), "道路交通": ("道路交通", "Roads and traffic"),
    "市容环境": ("市容环境", "Cityscape and sanitation"), "园林绿化": ("园林绿化", "Parks and greenery"),
    "房屋土地": ("房屋土地", "Buildings and land"), "其它设施": ("其它设施", "Other facilities"),
    "宣传广告": ("宣传广告", "Advertising"), "施工管理": ("施工管理", "Construction"),
    "突发事件": ("突发事件", "Emergencies"), "街面秩序": ("街面秩序", "Street order"),
    "其他事件": ("其他事件", "Other events"), "政务留言": ("政务留言", "Messages to government"),
    "一键呼": ("一键呼", "SOS button"),
}  # fmt: skip

ROLES = {
    "resident": ("居民", "Resident"), "grid_worker": ("网格员", "Grid worker"),
    "entity_staff": ("社会主体人员", "Property / merchant staff"), "handler": ("部门处置人员", "Department handler"),
    "dispatcher": ("指挥中心派遣员", "Dispatcher"), "supervisor": ("监督中心核查员", "Supervisor"),
    "leader": ("领导", "Leader"), "admin": ("系统管理员", "Administrator"), "system": ("系统", "System"),
}  # fmt: skip


# Facts a responsibility-list rule can test (domain/responsibility.FACT_FIELDS) and its operators.
FIELDS = {
    "category": ("类别", "category"), "kind": ("类型", "kind"), "major": ("大类", "class"), "grade": ("等级", "grade"),
    "channel": ("来源渠道", "channel"), "grid_code": ("网格", "grid"), "text": ("描述", "text"),
    "sensitive": ("敏感事件", "sensitive"), "source_type": ("来源类型", "source type"),
    "owner_unit_id": ("权属单位", "owner"), "category_unit_type": ("类别的责任单位类型", "category's unit type"),
}  # fmt: skip
OPS = {
    "eq": ("为", "is"), "ne": ("不为", "is not"), "in": ("属于", "in"), "not_in": ("不属于", "not in"),
    "gt": ("大于", ">"), "gte": ("不小于", "≥"), "lt": ("小于", "<"), "lte": ("不大于", "≤"),
    "contains": ("含", "contains"), "contains_any": ("含任一", "contains any of"), "regex": ("匹配", "matches"),
    "within_grid": ("位于", "within"), "exists": ("已填写", "is given"),
}  # fmt: skip
KINDS = {
    "event": ("事件", "event"), "component": ("部件", "component"), "message": ("政务留言", "message"),
    "camera": ("AI识别场景", "camera scene"), "sos": ("一键呼", "SOS call"),
}  # fmt: skip
# Unit types of the shipped category table and demo district; a deployment's own types show as written.
UNIT_TYPES = {
    "community": ("社区居委会", "community committee"), "property_company": ("物业服务企业", "property company"),
    "street_enforcement": ("街道综合执法队", "street enforcement"), "urban_management": ("城市管理部门", "urban management"),
    "sanitation": ("环卫单位", "sanitation"), "landscaping": ("园林绿化部门", "landscaping"), "water": ("水务单位", "water"),
    "fire": ("消防救援", "fire brigade"), "gas": ("燃气公司", "gas company"), "power_supply": ("供电单位", "power supply"),
    "telecom": ("通信运营商", "telecom"), "traffic_police": ("交警", "traffic police"), "transport": ("交通运输部门", "transport"),
    "public_security": ("公安派出所", "police"), "housing_construction": ("住房建设部门", "housing and construction"),
    "environment": ("生态环境部门", "environment"), "health": ("卫生健康部门", "health"), "education": ("教育部门", "education"),
    "commerce": ("商务部门", "commerce"), "civil_affairs": ("民政部门", "civil affairs"),
    "human_resources": ("人力资源社会保障部门", "human resources"), "street_office": ("街道办事处", "street office"),
}  # fmt: skip


def pick(lang: str | None) -> str:
    return lang if lang in LANGS else "zh-CN"


def table(lang: str) -> dict:
    i = 0 if lang == "zh-CN" else 1
    return {
        "words": {k: v[i] for k, v in WORDS.items()},
        "actions": {k: v[i] for k, v in ACTIONS.items()},
        "statuses": {k: v[i] for k, v in STATUSES.items()},
        "majors": {k: v[i] for k, v in MAJORS.items()},
        "roles": {k: v[i] for k, v in ROLES.items()},
        "channels": {k: v[i] for k, v in CHANNELS.items()},
        "fields": {k: v[i] for k, v in FIELDS.items()},
        "ops": {k: v[i] for k, v in OPS.items()},
        "kinds": {k: v[i] for k, v in KINDS.items()},
        "unit_types": {k: v[i] for k, v in UNIT_TYPES.items()},
    }
