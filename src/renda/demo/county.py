"""演示数据: the fictional demo county (示范县) that ``python manage.py demo_seed`` loads.

Everything here is invented: the county, its towns and villages, and every person are generated
from a fixed random seed (``random.Random(2026)``), so two runs produce the same county. Phone
numbers are random 11-digit strings and must never be dialled.

The seed is a list of steps (:data:`DEMO_STEPS`) run in order inside one transaction. Each step
takes the :class:`DemoContext` and must be idempotent: it finds or creates its rows on their
natural keys, so running the seed again duplicates nothing. A module adds its own demo data in
``renda/demo/<module>.py``::

    from renda.demo.county import DemoContext, register_demo_step

    @register_demo_step(order=200)
    def suggestions(ctx: DemoContext) -> None:
        rng = ctx.rng("suggestions")          # its own stream: other steps' data stay the same
        deputies = ctx.county_deputies()      # what the core steps loaded
        ...
        ctx.count("suggestions", Suggestion.objects.filter(...).count(), "代表建议 suggestions")

``demo_seed`` imports every module of :data:`DEMO_MODULES` before it runs the steps. Core steps
use orders 10–50; a module's steps default to 100.

Sign-in credentials are created once, with the user: a later run never resets a password, never
re-adds the public demo authenticator and never revives a revoked demo token, so an operator
who changed them is not silently undone by ``make run``.
"""

from __future__ import annotations

import base64
import importlib
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from renda.accounts.models import ApiToken, Organisation, Region, Role, User
from renda.core import demo as registry
from renda.core.audit import audit
from renda.core.demo import register_demo_step
from renda.deputies.models import Deputy, DeputyGroup, Level, Person, Term
from renda.liaison.models import Station

DEMO_SEED = 2026
DEMO_REGION_CODE = "610999"
DEMO_COUNTY_NAME = "示范县"
DEMO_PASSWORD = "Renda-demo-2026"
# A fixed salt (long enough for Django's salt-entropy check) makes the demo password's hash the
# same on every run, and hashing it once per run keeps the seed fast.
_DEMO_PASSWORD_SALT = "RendaDemoCounty2026Salt"
DEMO_DEVICE_NAME = "演示验证器 Demo authenticator"
DEMO_FINANCE_TOKEN = f"{settings.RENDA_API_TOKEN_PREFIX}demo2026_h0tBjDXjv5UavOKvHU7Ws0r26njNIL"
DEMO_TERM_START = date(2022, 1, 1)
DEMO_TERM_END = date(2026, 12, 31)
COUNTY_TERM_NUMBER = 19
TOWN_TERM_NUMBER = 18


class DemoRefused(Exception):
    """The demo cannot be loaded here (e.g. the platform is configured for a real region)."""


# --- the demo logins ------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    role_label: str  # Chinese and English, for the console
    organisation_code: str = ""
    password: str = DEMO_PASSWORD  # "" for a token-only login
    totp_key: str = ""  # hex, 20 bytes: a confirmed TOTP device with this key
    api_token: str = ""  # raw token of a token-only login

    @property
    def totp_secret(self) -> str:
        """The key in base32, as an authenticator app wants it typed in."""
        return base64.b32encode(bytes.fromhex(self.totp_key)).decode() if self.totp_key else ""


ORG_STANDING_COMMITTEE = "RD000"
ORG_REPRESENTATIVES = "RD002"  # 代表工作委员会
ORG_BUDGET = "RD003"  # 预算工作委员会
ORG_HOUSING = "ZF013"  # 县住房和城乡建设局
ORG_FINANCE = "ZF009"  # 县财政局

DEMO_LOGINS: tuple[DemoLogin, ...] = (
    DemoLogin(
        "admin",
        Role.ADMIN,
        "系统管理员 System administrator",
        totp_key="7636fc0851ee3d69202624c926a011ea77376cbc",
    ),
    DemoLogin(
        "staff",
        Role.STAFF,
        "常委会工作人员（代表工委） Committee staff, deputies' affairs",
        ORG_REPRESENTATIVES,
        totp_key="bd2e34e3792279fa896c614d6359de54de2bff82",
    ),
    DemoLogin(
        "budget",
        Role.STAFF,
        "常委会工作人员（预算工委） Committee staff, budget",
        ORG_BUDGET,
        totp_key="5a4ef27ef8c05939a13643228546961bb17a4793",
    ),
    DemoLogin("deputy", Role.DEPUTY, "人大代表 Deputy"),
    DemoLogin("unit", Role.UNIT_HANDLER, "承办单位经办人（县住建局） Handling unit clerk", ORG_HOUSING),
    DemoLogin(
        "finance",
        Role.FINANCE_FEED,
        "财政数据接口（县财政局） Finance data interface",
        ORG_FINANCE,
        password="",
        api_token=DEMO_FINANCE_TOKEN,
    ),
    DemoLogin("citizen", Role.CITIZEN, "群众 Citizen"),
)
DEMO_LOGINS_BY_USERNAME = {login.username: login for login in DEMO_LOGINS}
DEMO_DEPUTY_NUMBER = f"{COUNTY_TERM_NUMBER}001"  # the county deputy the ``deputy`` login is


def demo_logins_text() -> str:
    """The demo logins as a console block (no URL, no database needed)."""
    if settings.RENDA_REGION_CODE != DEMO_REGION_CODE:
        return ""
    lines = [
        f"演示账号 Demo logins — {DEMO_COUNTY_NAME} (python manage.py demo_seed)",
        "  初始密码 initial password: " + DEMO_PASSWORD,
        "",
    ]
    for login in DEMO_LOGINS:
        password = login.password or "—（仅接口令牌 token only）"
        lines.append(f"  用户名 username: {login.username:<8}  密码 password: {password}")
        lines.append(f"      角色 role: {login.role_label}")
        if login.totp_key:
            lines.append(f"      TOTP 密钥 secret (base32): {login.totp_secret}")
            lines.append(f"      当前验证码 current code: python manage.py demo_totp {login.username}")
        if login.api_token:
            lines.append(f"      API 令牌 token: {login.api_token}")
            lines.append("      用法 usage: Authorization: Bearer <token>")
    return "\n".join(lines) + "\n"


def demo_totp_code(username: str) -> str:
    """The current code of a demo login's authenticator; :class:`DemoRefused` for anyone else."""
    from django_otp.oath import TOTP
    from django_otp.plugins.otp_totp.models import TOTPDevice

    login = DEMO_LOGINS_BY_USERNAME.get(username)
    device = None
    if login is not None and login.totp_key:
        device = TOTPDevice.objects.filter(
            user__username=username,
            name=DEMO_DEVICE_NAME,
            key=login.totp_key,
            confirmed=True,
        ).first()
    if device is None:
        raise DemoRefused(
            f"{username!r} is not a demo login with the demo authenticator; "
            "demo_totp only works for admin, staff and budget as created by demo_seed."
        )
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():0{device.digits}d}"


# --- steps: registered with core's registry, discovered here ---------------------------------


def discover_demo_steps() -> None:
    """Import the demo modules of every product module, so their steps register."""
    for module in DEMO_MODULES:
        importlib.import_module(module)


DEMO_MODULES = (
    "renda.demo.suggestions",
    "renda.demo.liaison",
    "renda.demo.activities",  # after the reception days, which the demo deputy's activities include
    "renda.demo.budget",
    "renda.demo.budget_findings",  # the handling of a few findings, after the year and its warnings
    "renda.demo.budget_inquiries",  # letters the demo unit clerk answers online
    "renda.demo.budget_reports",  # the latest month's and quarter's execution reports
    "renda.demo.deputies_archive",  # the previous term, a resignation, the performance archive
)


@dataclass
class DemoContext:
    """What the steps share: the plan, the rows loaded so far, and the summary counts."""

    plan: DemoPlan
    seed: int = DEMO_SEED
    counts: dict[str, int] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    regions: dict[str, Region] = field(default_factory=dict)  # by code
    organisations: dict[str, Organisation] = field(default_factory=dict)  # by code
    terms: dict[str, Term] = field(default_factory=dict)  # by region code
    users: dict[str, User] = field(default_factory=dict)  # by username

    def rng(self, name: str) -> random.Random:
        """A random stream of its own for a step, fixed by the seed and the name."""
        return random.Random(f"{self.seed}:{name}")

    def count(self, key: str, value: int, label: str = "") -> None:
        self.counts[key] = value
        self.labels[key] = label or key

    @property
    def county(self) -> Region:
        return self.regions[DEMO_REGION_CODE]

    @property
    def county_term(self) -> Term:
        return self.terms[DEMO_REGION_CODE]

    def county_deputies(self):
        return Deputy.objects.filter(term=self.county_term)

    def summary(self) -> str:
        return "\n".join(f"  {self.labels[k]}: {v}" for k, v in self.counts.items())


def seed_demo() -> DemoContext:
    """Load (or refresh) the demo county: every registered step, in one transaction, audited."""
    if not settings.RENDA_DEMO:
        raise DemoRefused(
            "this platform is not configured as a demo (RENDA_DEMO=1): the demo's public passwords, "
            "authenticator secrets and API token are never created on a real installation."
        )
    if settings.RENDA_REGION_CODE != DEMO_REGION_CODE:
        raise DemoRefused(
            f"RENDA_REGION_CODE is {settings.RENDA_REGION_CODE}, not the demo county {DEMO_REGION_CODE}: "
            "the demo is not loaded into a real region."
        )
    discover_demo_steps()
    ctx = DemoContext(plan=build_plan())
    with transaction.atomic():
        for step in list(registry.DEMO_STEPS):
            step.func(ctx)
        audit(None, "core.demo_seed", None, note=" ".join(f"{k}={v}" for k, v in ctx.counts.items()))
    return ctx


# --- the plan: the whole county as plain data, from one seeded random stream ----------------


@dataclass
class RegionRow:
    code: str
    name: str
    level: str
    parent_code: str | None


@dataclass
class OrgRow:
    code: str
    name: str
    short_name: str
    kind: str
    parent_code: str | None
    region_code: str


@dataclass
class DeputyRow:
    term_region: str  # the term is found by its region code
    number: str
    name: str
    gender: str
    birth_year: int
    party: str
    workplace: str
    phone: str
    group: str
    region_code: str  # constituency: the town (county deputies) or the village (town deputies)


@dataclass
class StationRow:
    code: str
    name: str
    kind: str
    region_code: str
    address: str
    phone: str
    organisation_code: str
    deputy_groups: list[tuple[str, str]]  # (term region code, group name) whose deputies attach


@dataclass
class DemoPlan:
    regions: list[RegionRow] = field(default_factory=list)
    organisations: list[OrgRow] = field(default_factory=list)
    terms: list[tuple[str, str, int, str]] = field(default_factory=list)  # region, level, number, name
    groups: list[tuple[str, str, str]] = field(default_factory=list)  # term region, name, region
    deputies: list[DeputyRow] = field(default_factory=list)
    stations: list[StationRow] = field(default_factory=list)
    person_names: dict[str, str] = field(default_factory=dict)  # demo username -> real name


# (name, is a 街道 (subdistrict) rather than a 镇)
TOWNS: tuple[tuple[str, bool], ...] = (
    ("城关街道", True),
    ("新城街道", True),
    ("青石镇", False),
    ("柳林镇", False),
    ("河口镇", False),
    ("白云镇", False),
    ("双河镇", False),
    ("石门镇", False),
    ("龙泉镇", False),
    ("金桥镇", False),
    ("桃园镇", False),
)
COUNTY_SEAT = "城关街道"

# (code, name, short name, what its head is called)
CONGRESS_OFFICES: tuple[tuple[str, str, str], ...] = (
    ("RD001", "县人大常委会办公室", "办公室"),
    (ORG_REPRESENTATIVES, "县人大常委会代表工作委员会", "代表工委"),
    (ORG_BUDGET, "县人大常委会预算工作委员会", "预算工委"),
    ("RD004", "县人大常委会法制工作委员会", "法工委"),
    ("RD005", "县人大常委会财政经济工作委员会", "财经工委"),
    ("RD006", "县人大常委会社会建设工作委员会", "社会建设工委"),
    ("RD007", "县人大常委会监察和司法工作委员会", "监察司法工委"),
    ("RD008", "县人大常委会教育科学文化卫生工作委员会", "教科文卫工委"),
    ("RD009", "县人大常委会农业与农村工作委员会", "农业农村工委"),
    ("RD010", "县人大常委会城乡建设环境保护工作委员会", "城建环保工委"),
    ("RD011", "县人大常委会选举任免联络工作委员会", "选任联工委"),
)
DEPARTMENTS: tuple[tuple[str, str, str, str], ...] = (
    ("ZF001", "县人民政府办公室", "县政府办", "主任"),
    ("ZF002", "县发展和改革局", "发改局", "局长"),
    ("ZF003", "县教育局", "教育局", "局长"),
    ("ZF004", "县科学技术局", "科技局", "局长"),
    ("ZF005", "县工业和信息化局", "工信局", "局长"),
    ("ZF006", "县公安局", "公安局", "局长"),
    ("ZF007", "县民政局", "民政局", "局长"),
    ("ZF008", "县司法局", "司法局", "局长"),
    (ORG_FINANCE, "县财政局", "财政局", "局长"),
    ("ZF010", "县人力资源和社会保障局", "人社局", "局长"),
    ("ZF011", "县自然资源局", "自然资源局", "局长"),
    ("ZF012", "县生态环境局", "生态环境局", "局长"),
    (ORG_HOUSING, "县住房和城乡建设局", "住建局", "局长"),
    ("ZF014", "县交通运输局", "交通运输局", "局长"),
    ("ZF015", "县水利局", "水利局", "局长"),
    ("ZF016", "县农业农村局", "农业农村局", "局长"),
    ("ZF017", "县商务局", "商务局", "局长"),
    ("ZF018", "县文化和旅游局", "文旅局", "局长"),
    ("ZF019", "县卫生健康局", "卫健局", "局长"),
    ("ZF020", "县退役军人事务局", "退役军人局", "局长"),
    ("ZF021", "县应急管理局", "应急局", "局长"),
    ("ZF022", "县审计局", "审计局", "局长"),
    ("ZF023", "县市场监督管理局", "市场监管局", "局长"),
    ("ZF024", "县统计局", "统计局", "局长"),
    ("ZF025", "县林业局", "林业局", "局长"),
    ("ZF026", "县医疗保障局", "医保局", "局长"),
    ("ZF027", "县城市管理执法局", "城管执法局", "局长"),
    ("ZF028", "县行政审批服务局", "行政审批局", "局长"),
    ("ZF029", "县信访局", "信访局", "局长"),
    ("ZF030", "县民族宗教事务局", "民宗局", "局长"),
    ("ZF031", "县机关事务服务中心", "机关事务中心", "主任"),
    ("ZF032", "县融媒体中心", "融媒体中心", "主任"),
    ("ZF033", "县供销合作社联合社", "供销社", "理事会主任"),
    ("ZF034", "县疾病预防控制中心", "疾控中心", "主任"),
    ("ZF035", "县消防救援大队", "消防救援大队", "大队长"),
)

_SURNAMES = (
    "王王王李李李张张张刘刘陈陈杨杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦"
    "江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_GIVEN_MALE = (
    "伟刚勇毅俊峰强军平保东文辉力明永健世广志义兴良海山仁波宁贵福生龙元全国胜学祥才发武新利"
    "清飞彬富顺信杰涛昌成康星光天达安岩中茂进林有坚和博诚先振庆磊民友裕河哲江超浩亮政鹏泽晨"
    "建家德盛雄航"
)
_GIVEN_FEMALE = (
    "秀娟英华慧巧美娜静淑惠珠翠雅芝玉萍红玲芬芳燕彩春菊兰凤洁梅琳素云莲雪荣霞香月媛艳瑞佳琼"
    "珍莉叶晶妍秋丽婷婉颖露瑶怡丹蓉君琴蕊薇岚馨悦冰宁欣晓菲亚敏"
)
_VILLAGE_HEADS = "东西南北上下大小新前后高马石黄白青红金龙凤杨柳桃杏枣梨李王张何刘陈郭"
_VILLAGE_TAILS = "庄湾沟坪河坡岭塬川坝营寨店桥园滩峪洼堡岔"
_COMMUNITY_NAMES = (
    "幸福",
    "和平",
    "建设",
    "人民",
    "文化",
    "朝阳",
    "新城",
    "滨河",
    "育才",
    "团结",
    "光明",
    "民主",
    "北关",
    "南关",
    "东关",
    "西关",
    "振兴",
    "胜利",
    "兴隆",
    "长青",
)
_STREETS = ("人民路", "解放路", "新华街", "滨江路", "中山街", "文化路", "建设路", "兴业路", "迎宾大道")
_BRANDS = (
    "秦丰",
    "宏达",
    "绿源",
    "汉水",
    "鑫盛",
    "瑞丰",
    "兴农",
    "恒信",
    "富民",
    "金穗",
    "山泉",
    "天成",
    "华茂",
    "盛源",
    "润泽",
    "康宁",
)
_INDUSTRIES = (
    "农业科技",
    "茶业",
    "食品",
    "建材",
    "物流",
    "新能源",
    "中药材",
    "生态农业",
    "电子",
    "纺织",
    "旅游开发",
    "建筑工程",
)
_PHONE_PREFIXES = (
    "130",
    "131",
    "132",
    "133",
    "135",
    "136",
    "137",
    "138",
    "139",
    "150",
    "151",
    "152",
    "153",
    "155",
    "156",
    "157",
    "158",
    "159",
    "166",
    "173",
    "177",
    "180",
    "181",
    "182",
    "183",
    "185",
    "186",
    "187",
    "188",
    "189",
    "191",
    "199",
)
_DIGITS = "零一二三四五六七八九"


def zh_numeral(n: int) -> str:
    """1–99 in Chinese numerals: 19 → 十九, 21 → 二十一."""
    tens, ones = divmod(n, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _DIGITS[tens] + "十")
    return head + (_DIGITS[ones] if ones or not head else "")


class _People:
    """Fictional people: unique names and phone numbers from the plan's random stream."""

    def __init__(self, rng: random.Random):
        self.rng = rng
        self.names: set[str] = set()
        self.phones: set[str] = set()

    def name(self, gender: str) -> str:
        chars = _GIVEN_FEMALE if gender == "F" else _GIVEN_MALE
        while True:
            given = "".join(self.rng.choice(chars) for _ in range(self.rng.choice((1, 2, 2, 2))))
            name = self.rng.choice(_SURNAMES) + given
            if name not in self.names:
                self.names.add(name)
                return name

    def phone(self) -> str:
        while True:
            phone = self.rng.choice(_PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if phone not in self.phones:
                self.phones.add(phone)
                return phone


@dataclass
class _Town:
    code: str
    name: str
    is_street: bool
    villages: list[tuple[str, str]]  # (code, name)


def _party(rng: random.Random, county: bool, workplace: str) -> str:
    if "书记" in workplace:  # a Party secretary is a Party member
        return "中共党员"
    roll = rng.random()
    cpc = 0.62 if county else 0.55
    if roll < cpc:
        return "中共党员"
    if roll < cpc + 0.06:
        return rng.choice(("民盟盟员", "民建会员", "民进会员", "九三学社社员", "农工党党员", "民革党员"))
    if roll < cpc + 0.09:
        return "无党派人士"
    return "群众"


def _workplace(rng: random.Random, town: _Town, village: str, county: bool, taken: set[str]) -> str:
    """A plausible workplace and post; a post only one person holds is given out once."""
    community = village.endswith("社区")
    kinds = ("leader", "department", "village", "enterprise", "professional", "farmer")
    weights = (12, 12, 25, 20, 16, 15) if county else (8, 0, 40, 15, 12, 25)
    kind = rng.choices(kinds, weights)[0]
    post = ""
    if kind == "leader":
        street_posts = ("党工委书记", "办事处主任", "人大工委主任")
        post = town.name + rng.choice(street_posts if town.is_street else ("党委书记", "镇长", "人大主席"))
    elif kind == "department":
        _, dept, _, head = rng.choice(DEPARTMENTS)
        post = dept + rng.choice((head, "副" + head))
    elif kind == "village":
        post = f"{town.name}{village}党支部书记、{'居委会' if community else '村委会'}主任"
    if post and post not in taken:
        taken.add(post)
        return post
    if kind == "enterprise":
        company = f"{DEMO_COUNTY_NAME}{rng.choice(_BRANDS)}{rng.choice(_INDUSTRIES)}有限公司"
        return company + rng.choice(("董事长", "总经理", "技术员", "车间主任", "职工"))
    if kind == "professional":
        return rng.choice(
            (
                f"{DEMO_COUNTY_NAME}中学教师",
                f"{DEMO_COUNTY_NAME}人民医院主治医师",
                f"{town.name}中心卫生院医生",
                f"{town.name}中心小学教师",
                f"{DEMO_COUNTY_NAME}职业教育中心教师",
                f"{DEMO_COUNTY_NAME}中医医院护士",
                f"{town.name}{village}{'社区卫生服务站医生' if community else '乡村医生'}",
                f"{DEMO_COUNTY_NAME}{rng.choice(('明德', '正信', '公诚'))}律师事务所律师",
            )
        )
    if community:
        return town.name + village + rng.choice(("居民", "个体工商户", "网格员"))
    return town.name + village + rng.choice(("村民", "种植大户", "家庭农场负责人", "养殖专业合作社理事长"))


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainders), so the parts sum to it."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    parts = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def build_plan(seed: int = DEMO_SEED) -> DemoPlan:
    """The whole demo county as plain data; the same seed always gives the same county."""
    rng = random.Random(seed)
    people = _People(rng)
    plan = DemoPlan()
    county = DEMO_REGION_CODE
    plan.regions.append(RegionRow(county, DEMO_COUNTY_NAME, Region.Level.COUNTY, None))

    # Towns (镇/街道) and their villages (村) and communities (社区): 街道 hold 社区 (codes 001…),
    # a 镇 holds its seat's 社区 and its 村 (codes 200…), as in the national coding scheme.
    towns: list[_Town] = []
    used = {name[:2] + "村" for name, _ in TOWNS}  # no 桃园村 beside 桃园镇

    def fresh(make: Callable[[], str]) -> str:
        while (name := make()) in used:
            pass
        used.add(name)
        return name

    for index, (town_name, is_street) in enumerate(TOWNS, start=1):
        town = _Town(f"{county}{index:03d}", town_name, is_street, [])
        plan.regions.append(RegionRow(town.code, town.name, Region.Level.TOWN, county))
        if is_street:
            communities, villages = rng.randint(5, 7), 0
        else:
            communities, villages = 1, rng.randint(4, 7)
        for n in range(communities):
            if not is_street and n == 0:
                name = fresh(lambda: town_name[:2] + "社区")  # noqa: B023 - called at once
            else:
                name = fresh(lambda: rng.choice(_COMMUNITY_NAMES) + "社区")
            town.villages.append((f"{town.code}{n + 1:03d}", name))
        for n in range(villages):
            name = fresh(lambda: rng.choice(_VILLAGE_HEADS) + rng.choice(_VILLAGE_TAILS) + "村")
            town.villages.append((f"{town.code}{200 + n:03d}", name))
        for code, name in town.villages:
            plan.regions.append(RegionRow(code, name, Region.Level.VILLAGE, town.code))
        towns.append(town)

    # Organisations: the standing committee and its offices, the departments, the townships.
    plan.organisations.append(
        OrgRow(ORG_STANDING_COMMITTEE, "县人大常委会", "人大常委会", Organisation.Kind.CONGRESS, None, county)
    )
    for code, name, short in CONGRESS_OFFICES:
        plan.organisations.append(
            OrgRow(code, name, short, Organisation.Kind.CONGRESS, ORG_STANDING_COMMITTEE, county)
        )
    for code, name, short, _head in DEPARTMENTS:
        kind = Organisation.Kind.FINANCE if code == ORG_FINANCE else Organisation.Kind.DEPARTMENT
        plan.organisations.append(OrgRow(code, name, short, kind, None, county))
    for index, town in enumerate(towns, start=1):
        name = f"{town.name}办事处" if town.is_street else f"{town.name}人民政府"
        plan.organisations.append(
            OrgRow(f"XZ{index:03d}", name, town.name, Organisation.Kind.TOWNSHIP, None, town.code)
        )

    posts: set[str] = set()

    def deputy(
        term_region: str,
        number: str,
        group: str,
        town: _Town,
        region_code: str,
        village: str,
        county_level: bool,
    ) -> DeputyRow:
        gender = "F" if rng.random() < 0.3 else "M"
        name, birth_year = people.name(gender), rng.randint(1962, 1996)
        workplace = _workplace(rng, town, village, county_level, posts)
        return DeputyRow(
            term_region,
            number,
            name,
            gender,
            birth_year,
            _party(rng, county_level, workplace),
            workplace,
            people.phone(),
            group,
            region_code,
        )

    # The county congress: 第十九届, about 150 deputies in one 代表团 per town.
    plan.terms.append(
        (
            county,
            Level.COUNTY,
            COUNTY_TERM_NUMBER,
            f"{DEMO_COUNTY_NAME}第{zh_numeral(COUNTY_TERM_NUMBER)}届人民代表大会",
        )
    )
    weights = [len(t.villages) + (8 if t.name == COUNTY_SEAT else 0) for t in towns]
    seq = 0
    for town, size in zip(towns, _apportion(150, weights), strict=True):
        group = f"{town.name}代表团"
        plan.groups.append((county, group, town.code))
        for _ in range(size):
            seq += 1
            village = rng.choice(town.villages)[1]
            plan.deputies.append(
                deputy(county, f"{COUNTY_TERM_NUMBER}{seq:03d}", group, town, town.code, village, True)
            )

    # Each 镇 has its own congress (a 街道 has none): its deputies in 代表小组 by villages.
    for index, town in enumerate(towns, start=1):
        if town.is_street:
            continue
        plan.terms.append(
            (
                town.code,
                Level.TOWN,
                TOWN_TERM_NUMBER,
                f"{town.name}第{zh_numeral(TOWN_TERM_NUMBER)}届人民代表大会",
            )
        )
        size = rng.randint(58, 74)
        n_groups = min(len(town.villages), rng.randint(4, 5))
        chunks = [town.villages[i::n_groups] for i in range(n_groups)]
        for g in range(1, n_groups + 1):
            plan.groups.append((town.code, f"第{zh_numeral(g)}代表小组", town.code))
        for n in range(size):
            g = n % n_groups
            code, village = rng.choice(chunks[g])
            plan.deputies.append(
                deputy(
                    town.code,
                    f"{TOWN_TERM_NUMBER}{index:02d}{n + 1:03d}",
                    f"第{zh_numeral(g + 1)}代表小组",
                    town,
                    code,
                    village,
                    False,
                )
            )

    # Stations: the 代表之家 in the county seat, a 代表联络站 in every town.
    streets = [t for t in towns if t.is_street]
    plan.stations.append(
        StationRow(
            f"HOME-{county}",
            f"{DEMO_COUNTY_NAME}人大代表之家",
            Station.Kind.HOME,
            towns[0].code,
            f"{DEMO_COUNTY_NAME}{COUNTY_SEAT}人民路88号县人大常委会机关一楼",
            f"0910-{rng.randint(3200000, 3299999)}",
            ORG_REPRESENTATIVES,
            [(county, f"{t.name}代表团") for t in streets],
        )
    )
    for index, town in enumerate(towns, start=1):
        seat = town.villages[0][1]
        street = f"{DEMO_COUNTY_NAME}{town.name}{rng.choice(_STREETS)}{rng.randint(1, 199)}号"
        address = street + (f"{seat}党群服务中心" if town.is_street else f"{town.name}人民政府院内二楼")
        groups = [(county, f"{town.name}代表团")]
        if not town.is_street:
            groups += [(town.code, name) for region, name, _r in plan.groups if region == town.code]
        plan.stations.append(
            StationRow(
                f"STN-{town.code}",
                f"{town.name}人大代表联络站",
                Station.Kind.STATION,
                town.code,
                address,
                f"0910-{rng.randint(3300000, 3999999)}",
                f"XZ{index:03d}",
                groups,
            )
        )

    for login in DEMO_LOGINS:
        if login.role in (Role.ADMIN, Role.STAFF, Role.UNIT_HANDLER, Role.CITIZEN):
            plan.person_names[login.username] = people.name(rng.choice("MF"))
    plan.person_names["finance"] = "县财政局预算管理一体化系统"
    return plan


# --- the core steps ---------------------------------------------------------------------------


def _in_county(prefix: str = "region__code") -> dict[str, str]:
    return {f"{prefix}__startswith": DEMO_REGION_CODE}


@register_demo_step(name="core.regions", order=10)
def load_regions(ctx: DemoContext) -> None:
    """行政区划: the county, its towns, its villages — upserted level by level on their codes."""
    for level in (Region.Level.COUNTY, Region.Level.TOWN, Region.Level.VILLAGE):
        rows = [r for r in ctx.plan.regions if r.level == level]
        Region.objects.bulk_create(
            [
                Region(
                    code=r.code,
                    name=r.name,
                    level=r.level,
                    parent=ctx.regions[r.parent_code] if r.parent_code else None,
                )
                for r in rows
            ],
            update_conflicts=True,
            unique_fields=["code"],
            update_fields=["name", "level", "parent"],
        )
        ctx.regions.update(Region.objects.filter(code__in=[r.code for r in rows]).in_bulk(field_name="code"))
    in_county = Region.objects.filter(code__startswith=DEMO_REGION_CODE)
    ctx.count("towns", in_county.filter(level=Region.Level.TOWN).count(), "镇/街道 towns")
    ctx.count("villages", in_county.filter(level=Region.Level.VILLAGE).count(), "村/社区 villages")


@register_demo_step(name="core.organisations", order=20)
def load_organisations(ctx: DemoContext) -> None:
    """组织机构: upserted on their codes, parents first (the plan lists them so)."""
    for row in ctx.plan.organisations:
        org, _ = Organisation.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "short_name": row.short_name,
                "kind": row.kind,
                "parent": ctx.organisations[row.parent_code] if row.parent_code else None,
                "region": ctx.regions[row.region_code],
            },
        )
        ctx.organisations[row.code] = org
    orgs = Organisation.objects.filter(**_in_county())
    for kind, label in (
        (Organisation.Kind.CONGRESS, "人大机关 congress offices"),
        (Organisation.Kind.DEPARTMENT, "政府部门 departments"),
        (Organisation.Kind.TOWNSHIP, "镇/街道政府 township governments"),
    ):
        ctx.count(f"organisations_{kind}", orgs.filter(kind=kind).count(), label)


@register_demo_step(name="core.deputies", order=30)
def load_deputies(ctx: DemoContext) -> None:
    """届次, 代表团/代表小组 and deputies; deputies in one upsert (the ``user`` link is kept)."""
    for region_code, level, number, name in ctx.plan.terms:
        term, _ = Term.objects.update_or_create(
            region=ctx.regions[region_code],
            number=number,
            defaults={
                "level": level,
                "name": name,
                "start_date": DEMO_TERM_START,
                "end_date": DEMO_TERM_END,
                "is_current": True,
            },
        )
        ctx.terms[region_code] = term
    groups: dict[tuple[str, str], DeputyGroup] = {}
    for term_region, name, region_code in ctx.plan.groups:
        group, _ = DeputyGroup.objects.update_or_create(
            term=ctx.terms[term_region],
            name=name,
            defaults={"region": ctx.regions[region_code]},
        )
        groups[(term_region, name)] = group
    _upsert_people_and_seats(ctx, ctx.plan.deputies, groups)
    deputies = Deputy.objects.filter(**_in_county("term__region__code"))
    ctx.count("terms", Term.objects.filter(**_in_county()).count(), "届次 terms")
    ctx.count(
        "groups",
        DeputyGroup.objects.filter(**_in_county("term__region__code")).count(),
        "代表团/代表小组 groups",
    )
    ctx.count(
        "county_deputies", deputies.filter(term__level=Level.COUNTY).count(), "县人大代表 county deputies"
    )
    ctx.count("town_deputies", deputies.filter(term__level=Level.TOWN).count(), "镇人大代表 town deputies")


def _upsert_people_and_seats(
    ctx: DemoContext, rows: list[DeputyRow], groups: dict[tuple[str, str], DeputyGroup]
) -> None:
    """One person and one seat per plan row, upserted on the seat's (term, number); accounts kept."""
    terms = {code: t.pk for code, t in ctx.terms.items()}
    existing = {
        (d.term_id, d.number): d
        for d in Deputy.objects.filter(term_id__in=terms.values()).select_related("person")
    }
    ethnic = ctx.rng("deputies.ethnicity")
    new_people: list[tuple[DeputyRow, Person]] = []
    changed_people: list[Person] = []
    changed_seats: list[Deputy] = []
    for r in rows:
        fields = {
            "name": r.name,
            "gender": r.gender,
            "birth_year": r.birth_year,
            "party": r.party,
            "workplace": r.workplace,
            "phone": r.phone,
            "ethnicity": _ETHNICITIES[0] if ethnic.random() < 0.93 else ethnic.choice(_ETHNICITIES[1:]),
        }
        seat = existing.get((terms[r.term_region], r.number))
        if seat is None:
            new_people.append((r, Person(**fields)))
            continue
        for key, value in fields.items():
            setattr(seat.person, key, value)
        changed_people.append(seat.person)
        seat.group, seat.region = groups[(r.term_region, r.group)], ctx.regions[r.region_code]
        changed_seats.append(seat)
    Person.objects.bulk_create([p for _r, p in new_people], batch_size=500)
    Deputy.objects.bulk_create(
        [
            Deputy(
                person=p,
                term_id=terms[r.term_region],
                number=r.number,
                group=groups[(r.term_region, r.group)],
                region=ctx.regions[r.region_code],
            )
            for r, p in new_people
        ],
        batch_size=500,
    )
    Person.objects.bulk_update(
        changed_people,
        ["name", "gender", "birth_year", "party", "workplace", "phone", "ethnicity"],
        batch_size=500,
    )
    Deputy.objects.bulk_update(changed_seats, ["group", "region"], batch_size=500)


_ETHNICITIES = ("汉族", "回族", "满族", "蒙古族", "土家族")


@register_demo_step(name="core.stations", order=40)
def load_stations(ctx: DemoContext) -> None:
    """代表之家/代表联络站, each with the deputies of its town (or, the home, the county seat's)."""
    term_ids = {region: term.pk for region, term in ctx.terms.items()}
    for row in ctx.plan.stations:
        station, _ = Station.objects.update_or_create(
            code=row.code,
            defaults={
                "name": row.name,
                "kind": row.kind,
                "region": ctx.regions[row.region_code],
                "address": row.address,
                "phone": row.phone,
                "organisation": ctx.organisations[row.organisation_code],
            },
        )
        wanted = set()
        for term_region, group in row.deputy_groups:
            wanted |= set(
                Deputy.objects.filter(term_id=term_ids[term_region], group__name=group).values_list(
                    "pk", flat=True
                )
            )
        station.deputies.set(wanted)
    ctx.count("stations", Station.objects.filter(**_in_county()).count(), "代表之家/联络站 stations")


@register_demo_step(name="core.logins", order=50)
def load_logins(ctx: DemoContext) -> None:
    """One login per role. Credentials are set only when the user is created, never reset."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    password_hash = ""
    deputy = Deputy.objects.get(term=ctx.county_term, number=DEMO_DEPUTY_NUMBER)
    for login in DEMO_LOGINS:
        org = ctx.organisations[login.organisation_code] if login.organisation_code else None
        is_deputy = login.role == Role.DEPUTY
        real_name = deputy.name if is_deputy else ctx.plan.person_names.get(login.username, "")
        user, created = User.objects.get_or_create(
            username=login.username,
            defaults={
                "role": login.role,
                "organisation": org,
                "real_name": real_name,
                "phone": deputy.phone if is_deputy else "",
            },
        )
        ctx.users[login.username] = user
        if not created:
            if user.role != login.role:
                ctx.notes.append(f"user {login.username!r} already exists with another role; left as it is")
            continue
        if login.password:
            password_hash = password_hash or make_password(login.password, salt=_DEMO_PASSWORD_SALT)
            user.password = password_hash
        else:
            user.set_unusable_password()
        user.save(update_fields=["password"])
        if login.totp_key:
            TOTPDevice.objects.create(user=user, name=DEMO_DEVICE_NAME, key=login.totp_key, confirmed=True)
        token_hash = ApiToken.hash(login.api_token) if login.api_token else ""
        if token_hash and not ApiToken.objects.filter(token_hash=token_hash).exists():
            ApiToken.objects.create(
                user=user, name="演示令牌 demo token", prefix=login.api_token[:12], token_hash=token_hash
            )
        if is_deputy:
            if deputy.person.user_id is None:
                deputy.person.user = user
                deputy.person.save(update_fields=["user"])
            else:
                ctx.notes.append(f"deputy {deputy.number} is already linked to another user")
    demo_users = User.objects.filter(username__in=DEMO_LOGINS_BY_USERNAME)
    ctx.count("logins", demo_users.count(), "演示账号 demo logins")
