"""Reference data of the benchmark database: organizations, contacts, our people, teams and
routing rules. Created through the ORM when missing (idempotent); small next to the tickets."""

from dataclasses import dataclass, field

from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from django.db import transaction

from tickets import routing
from tickets.models import (
    Category,
    Organization,
    PriorityMatrixCell,
    PriorityScheme,
    ProductLine,
    RoutingRule,
    Seniority,
    Team,
    TeamMembership,
    User,
)
from tickets.roles import Role

PASSWORD = "bench-pass-2026"  # every bench user; handy to look around the bench server by hand

N_ORGS = 500
CONTACTS_PER_ORG = 2
N_ENGINEERS = 300
N_AGENTS = 20
N_FOLLOWED = 50

# The people the measurements act as.
ENGINEER = "bench-eng-001"
AGENT = "bench-agent-01"

PRODUCT_LINES = (
    ("bench-pl-core", "核心业务平台", "Core business platform"),
    ("bench-pl-data", "数据平台", "Data platform"),
    ("bench-pl-net", "网络与安全", "Network & security"),
    ("bench-pl-device", "终端与外设", "Devices & peripherals"),
)
# (code, name, main category code it serves, product line code, to product manager)
TEAMS = (
    ("bench-hw", "硬件运维组", "hardware", None, False),
    ("bench-app", "应用支持组", "software", None, False),
    ("bench-net", "网络运维组", "network", None, False),
    ("bench-iam", "账号权限组", "account", None, False),
    ("bench-data", "数据服务组", "data", None, False),
    ("bench-pro", "产品咨询组", "consulting", None, False),
    ("bench-pm", "产品需求组", "requirement", None, True),
    ("bench-app-core", "核心平台应用组", "software", "bench-pl-core", False),
    ("bench-app-data", "数据平台应用组", "software", "bench-pl-data", False),
    ("bench-app-net", "安全产品应用组", "software", "bench-pl-net", False),
    ("bench-app-device", "终端应用组", "software", "bench-pl-device", False),
    ("bench-desk", "一线支持组", None, None, False),
)
SENIORITY_PATTERN = (2, 1, 1, 2, 1, 3, 1, 2, 1, 1, 2, 1, 1, 3, 1, 2, 1, 1, 2, 3)

CITIES = (
    "北京", "上海", "广州", "深圳", "杭州", "南京", "苏州", "成都", "武汉", "西安",
    "天津", "重庆", "长沙", "郑州", "青岛", "厦门", "宁波", "合肥", "济南", "大连",
)  # fmt: skip
BRANDS = (
    "华信", "中科", "天成", "远航", "恒通", "东方", "新源", "博达", "金桥", "星河",
    "汇丰", "瑞达", "宏图", "凯旋", "蓝海", "正泰", "安联", "启明", "德润", "万象",
    "卓越", "鼎盛", "嘉禾", "云帆", "盛世",
)  # fmt: skip
INDUSTRIES = ("科技", "制造", "物流", "医药", "电子", "能源", "零售", "建设")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = ("伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰", "涛", "明", "超")

# Weights (per cent) of the default data shapes.
MAIN_CATEGORY_WEIGHTS = {
    "software": 25,
    "account": 20,
    "network": 15,
    "hardware": 15,
    "data": 10,
    "consulting": 10,
    "requirement": 5,
}


class SeedError(Exception):
    """The database lacks something the seeder relies on (an error, not a missed goal)."""


@dataclass
class Reference:
    """Ids of the reference rows the ticket generator draws from."""

    orgs: list[int]
    contacts: dict[int, list[tuple[int, str, str, str]]]  # org → (id, name, phone, email)
    agents: list[int]
    team_members: dict[int, list[int]]
    team_product_line: dict[int, int | None]
    leaf_categories: list[tuple[int, int, str]]  # (id, parent id, main code), weighted
    rules: list[routing.Rule]
    product_lines: list[int]
    cells: dict[tuple[str, str], tuple[int, int]]  # (impact, urgency) → (level id, rank)
    engineer: User
    agent: User
    team_ids: dict[str, int] = field(default_factory=dict)


def _person(i: int) -> str:
    return (
        SURNAMES[i % len(SURNAMES)]
        + GIVEN[(i // len(SURNAMES)) % len(GIVEN)]
        + (GIVEN[(i // 7) % len(GIVEN)] if i % 3 else "")
    )


def _ensure_users(rows: list[dict], role: Role, *extra_roles: Role) -> dict[str, User]:
    """Create the missing users (one shared password hash) and put them in their groups."""
    names = [r["username"] for r in rows]
    existing = set(User.objects.filter(username__in=names).values_list("username", flat=True))
    password = make_password(PASSWORD)
    User.objects.bulk_create(
        [User(password=password, **r) for r in rows if r["username"] not in existing],
        batch_size=1000,
    )
    users = {u.username: u for u in User.objects.filter(username__in=names)}
    groups = list(Group.objects.filter(name__in=[role.value, *(r.value for r in extra_roles)]))
    if len(groups) != 1 + len(extra_roles):
        raise SeedError(f"Role groups missing in the database: {role}, {extra_roles}")
    through = User.groups.through
    through.objects.bulk_create(
        [through(user_id=u.pk, group_id=g.pk) for u in users.values() for g in groups],
        ignore_conflicts=True,
        batch_size=2000,
    )
    return users


@transaction.atomic
def ensure_reference() -> Reference:
    lines = {}
    for code, name, name_en in PRODUCT_LINES:
        lines[code], _ = ProductLine.objects.get_or_create(
            code=code, defaults={"name": f"{name} / {name_en}"}
        )

    Organization.objects.bulk_create(
        [
            Organization(
                code=f"bench-org-{i:03d}",
                name=f"{CITIES[i % 20]}{BRANDS[i // 20 % 25]}{INDUSTRIES[i % 8]}有限公司",
                phone=f"021-{5550000 + i}",
                email_domain=f"org{i:03d}.example.cn",
            )
            for i in range(N_ORGS)
        ],
        ignore_conflicts=True,
    )
    orgs = dict(
        Organization.objects.filter(code__startswith="bench-org-").values_list("code", "id")
    )
    org_ids = [orgs[f"bench-org-{i:03d}"] for i in range(N_ORGS)]

    contacts = _ensure_users(
        [
            {
                "username": f"bench-c-{i:03d}-{j}",
                "display_name": _person(i * 7 + j),
                "email": f"c{j}@org{i:03d}.example.cn",
                "phone": f"138{i:04d}{j:04d}",
                "organization_id": org_ids[i],
            }
            for i in range(N_ORGS)
            for j in range(CONTACTS_PER_ORG)
        ],
        Role.CUSTOMER,
    )
    by_org: dict[int, list[tuple[int, str, str, str]]] = {}
    for u in contacts.values():
        by_org.setdefault(u.organization_id, []).append((u.pk, u.display_name, u.phone, u.email))

    agents = _ensure_users(
        [
            {
                "username": f"bench-agent-{i:02d}",
                "display_name": _person(5000 + i),
                "email": f"agent{i:02d}@helpdesk.example.cn",
                "language": "zh-hans",
            }
            for i in range(1, N_AGENTS + 1)
        ],
        Role.AGENT,
    )
    leads = _ensure_users(
        [
            {"username": f"bench-lead-{i:02d}", "display_name": _person(6000 + i)}
            for i in range(1, len(TEAMS) + 1)
        ],
        Role.SUPERVISOR,
    )
    teams: dict[str, Team] = {}
    for i, (code, name, _main, pl, _pm) in enumerate(TEAMS):
        teams[code], _ = Team.objects.get_or_create(
            code=code,
            defaults={
                "name": name,
                "product_line": lines[pl] if pl else None,
                "lead": leads[f"bench-lead-{i + 1:02d}"],
            },
        )
    team_list = [teams[t[0]] for t in TEAMS]

    engineer_rows = [
        {
            "username": f"bench-eng-{i:03d}",
            "display_name": _person(1000 + i),
            "email": f"eng{i:03d}@helpdesk.example.cn",
            "language": "zh-hans",
        }
        for i in range(1, N_ENGINEERS + 1)
    ]
    engineers = _ensure_users(engineer_rows, Role.ENGINEER)
    experts = [
        engineers[f"bench-eng-{i:03d}"]
        for i in range(1, N_ENGINEERS + 1)
        if SENIORITY_PATTERN[(i - 1) % 20] == Seniority.EXPERT
    ]
    expert_group = Group.objects.get(name=Role.EXPERT.value)
    User.groups.through.objects.bulk_create(
        [User.groups.through(user_id=u.pk, group_id=expert_group.pk) for u in experts],
        ignore_conflicts=True,
    )
    pms = _ensure_users(
        [{"username": f"bench-pm-{i}", "display_name": _person(7000 + i)} for i in range(1, 4)],
        Role.PRODUCT_MANAGER,
    )
    memberships = [
        TeamMembership(
            team=team_list[(i - 1) % len(team_list)],
            user=engineers[f"bench-eng-{i:03d}"],
            seniority=SENIORITY_PATTERN[(i - 1) % 20],
        )
        for i in range(1, N_ENGINEERS + 1)
    ] + [
        TeamMembership(team=teams["bench-pm"], user=u, seniority=Seniority.SENIOR)
        for u in pms.values()
    ]
    TeamMembership.objects.bulk_create(memberships, ignore_conflicts=True)

    if not RoutingRule.objects.filter(name__startswith="bench:").exists():
        categories = {c.code: c for c in Category.objects.filter(parent__isnull=True)}
        position = 10
        # Product-line rules first: they are more specific than their category's general rule.
        for code, name, main, pl, to_pm in sorted(TEAMS, key=lambda t: t[3] is None):
            if main is None and pl is None:
                continue
            RoutingRule.objects.create(
                position=position,
                name=f"bench: {name}",
                category=categories.get(main) if main else None,
                product_line=lines[pl] if pl else None,
                team=teams[code],
                to_product_manager=to_pm,
            )
            position += 10
        RoutingRule.objects.create(position=1000, name="bench: 兜底", team=teams["bench-desk"])

    from rest_framework.authtoken.models import Token

    agent = agents[AGENT]
    Token.objects.get_or_create(user=agent)

    return _load_reference(teams=teams, engineer=engineers[ENGINEER], agent=agent)


def _load_reference(*, teams: dict[str, Team], engineer: User, agent: User) -> Reference:
    members: dict[int, list[int]] = {t.pk: [] for t in teams.values()}
    for team_id, user_id in TeamMembership.objects.filter(
        team__in=teams.values(), active=True
    ).values_list("team_id", "user_id"):
        members[team_id].append(user_id)

    weights = MAIN_CATEGORY_WEIGHTS
    leaves = list(
        Category.objects.filter(parent__isnull=False, active=True).values_list(
            "id", "parent_id", "parent__code"
        )
    )
    if not leaves:
        raise SeedError("No active sub-categories: the default configuration is missing.")
    by_main: dict[str, list[tuple[int, int, str]]] = {}
    for leaf in leaves:
        by_main.setdefault(leaf[2], []).append(leaf)
    weighted = []
    for main, rows in by_main.items():
        share = weights.get(main, 5)
        weighted += [rows[i % len(rows)] for i in range(share * 12)]

    scheme = PriorityScheme.objects.filter(is_default=True).first()
    if scheme is None:
        raise SeedError("No default priority scheme.")
    cells = {
        (c.impact, c.urgency): (c.level_id, c.level.rank)
        for c in PriorityMatrixCell.objects.filter(scheme=scheme).select_related("level")
    }
    rules = [
        routing.Rule(
            id=r.id,
            team_id=r.team_id,
            category_id=r.category_id,
            product_line_id=r.product_line_id,
            to_product_manager=r.to_product_manager,
        )
        for r in RoutingRule.objects.filter(active=True, team__active=True).order_by(
            "position", "id"
        )
    ]
    orgs = list(
        Organization.objects.filter(code__startswith="bench-org-")
        .order_by("code")
        .values_list("id", flat=True)
    )
    contacts: dict[int, list[tuple[int, str, str, str]]] = {}
    for row in User.objects.filter(organization_id__in=orgs, username__startswith="bench-c-"):
        contacts.setdefault(row.organization_id, []).append(
            (row.pk, row.display_name, row.phone, row.email)
        )
    return Reference(
        orgs=orgs,
        contacts=contacts,
        agents=list(
            User.objects.filter(username__startswith="bench-agent-").values_list("id", flat=True)
        ),
        team_members=members,
        team_product_line={t.pk: t.product_line_id for t in teams.values()},
        leaf_categories=weighted,
        rules=rules,
        product_lines=list(
            ProductLine.objects.filter(code__startswith="bench-pl-").values_list("id", flat=True)
        ),
        cells=cells,
        engineer=engineer,
        agent=agent,
        team_ids={code: t.pk for code, t in teams.items()},
    )
