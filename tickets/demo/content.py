"""The demo data set as plain data: people, organizations, teams, rules and phrases.

Pure: no ORM. `tickets.demo.builder` turns it into rows through the factories and the services.
"""

from dataclasses import dataclass
from typing import Final

from ..models.people import Seniority
from ..roles import Role

DEMO_PASSWORD: Final = "demo12345"


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: Role | None  # None: the superuser
    display_name: str


# One login per role; `admin` is the superuser, `customer` a contact of the first organization.
DEMO_LOGINS: Final = (
    DemoLogin("agent", Role.AGENT, "林晓雨"),
    DemoLogin("engineer", Role.ENGINEER, "陈志强"),
    DemoLogin("expert", Role.EXPERT, "赵刚"),
    DemoLogin("supervisor", Role.SUPERVISOR, "王建国"),
    DemoLogin("account_manager", Role.ACCOUNT_MANAGER, "刘芳"),
    DemoLogin("product_manager", Role.PRODUCT_MANAGER, "孙悦"),
    DemoLogin("qa", Role.QA_AUDITOR, "周敏"),
    DemoLogin("manager", Role.SUPPORT_MANAGER, "吴海峰"),
    DemoLogin("admin", None, "系统管理员"),
    DemoLogin("customer", Role.CUSTOMER, "张伟"),
)

# More of our people, so that every team has members of every seniority.
STAFF: Final = (
    ("ops.li", "李明", Role.ENGINEER),
    ("ops.wang", "王磊", Role.ENGINEER),
    ("support.chen", "陈晨", Role.ENGINEER),
    ("support.liu", "刘洋", Role.EXPERT),
    ("net.wu", "吴涛", Role.ENGINEER),
    ("net.zhou", "周杰", Role.ENGINEER),
    ("rd.feng", "冯博", Role.EXPERT),
    ("rd.he", "何伟", Role.ENGINEER),
    ("rd.zheng", "郑宇", Role.ENGINEER),
)


@dataclass(frozen=True)
class DemoOrganization:
    code: str
    name: str
    domain: str
    phone: str
    english: bool
    # (username, display name, e-mail local part, mobile)
    contacts: tuple[tuple[str, str, str, str], ...]


ORGANIZATIONS: Final = (
    DemoOrganization(
        "hdzz",
        "华东智能制造有限公司",
        "hdzz.com.cn",
        "021-6888 2301",
        False,
        (
            ("customer", "张伟", "zhang.wei", "138 1660 2231"),
            ("hdzz.li", "李静", "li.jing", "139 1660 5518"),
        ),
    ),
    DemoOrganization(
        "yhwl",
        "北京远航物流股份有限公司",
        "yhwl.cn",
        "010-8456 7720",
        False,
        (
            ("yhwl.wang", "王鹏", "wangpeng", "135 0112 4476"),
            ("yhwl.zhao", "赵雪", "zhaoxue", "186 1093 2250"),
        ),
    ),
    DemoOrganization(
        "yfkj",
        "深圳云帆科技有限公司",
        "yunfan-tech.cn",
        "0755-2698 4410",
        False,
        (
            ("yfkj.huang", "黄俊", "huangjun", "137 2401 8863"),
            ("yfkj.xu", "徐丽", "xuli", "159 8920 3317"),
        ),
    ),
    DemoOrganization(
        "sxjr",
        "成都蜀信金融服务有限公司",
        "shuxin-fin.com",
        "028-8533 1907",
        False,
        (
            ("sxjr.yang", "杨帆", "yang.fan", "180 8122 6094"),
            ("sxjr.he", "何婷", "he.ting", "133 0806 7712"),
        ),
    ),
    DemoOrganization(
        "pacific",
        "Pacific Harbor Trading Ltd.",
        "pacificharbor.com",
        "+852 2511 3080",
        True,
        (
            ("pacific.smith", "Emily Smith", "emily.smith", "+852 9123 4410"),
            ("pacific.chan", "David Chan", "david.chan", "+852 6378 0925"),
        ),
    ),
)

PRODUCT_LINES: Final = (
    ("erp", "ERP 企业资源计划"),
    ("oa", "OA 协同办公"),
    ("crm", "CRM 客户关系管理"),
    ("infra", "基础设施与网络"),
)


@dataclass(frozen=True)
class DemoTeam:
    code: str
    name: str
    product_line: str
    lead: str
    members: tuple[tuple[str, Seniority], ...]


TEAMS: Final = (
    DemoTeam(
        "ops",
        "运维组",
        "infra",
        "supervisor",
        (
            ("ops.wang", Seniority.JUNIOR),
            ("ops.li", Seniority.SENIOR),
            ("supervisor", Seniority.SENIOR),
            ("expert", Seniority.EXPERT),
        ),
    ),
    DemoTeam(
        "support",
        "产品支持组",
        "erp",
        "engineer",
        (
            ("support.chen", Seniority.JUNIOR),
            ("engineer", Seniority.SENIOR),
            ("product_manager", Seniority.SENIOR),
            ("support.liu", Seniority.EXPERT),
        ),
    ),
    DemoTeam(
        "network",
        "网络组",
        "infra",
        "net.wu",
        (
            ("net.zhou", Seniority.JUNIOR),
            ("net.wu", Seniority.SENIOR),
            ("expert", Seniority.EXPERT),
        ),
    ),
    DemoTeam(
        "rnd",
        "研发组",
        "erp",
        "rd.feng",
        (
            ("rd.zheng", Seniority.JUNIOR),
            ("rd.he", Seniority.SENIOR),
            ("rd.feng", Seniority.EXPERT),
        ),
    ),
)

# (position, name, main category code, team code, to a product manager)
ROUTING_RULES: Final = (
    (10, "网络异常 → 网络组", "network", "network", False),
    (20, "硬件故障 → 运维组", "hardware", "ops", False),
    (30, "软件异常 → 产品支持组", "software", "support", False),
    (40, "数据异常 → 产品支持组", "data", "support", False),
    (50, "账号权限 → 产品支持组", "account", "support", False),
    (60, "配置/功能咨询 → 产品支持组", "consulting", "support", False),
    (70, "客户需求 → 产品经理", "requirement", "support", True),
)


@dataclass(frozen=True)
class Phrases:
    ack: str
    ask_info: str
    supplied: str
    ask_worklog: str
    test_worklog: str
    coordination_note: str
    third_party_note: str
    third_party_reason: str
    solution: str
    confirm: str
    recurred: str
    reopen_reason: str
    hand_back_reason: str
    reassign_reason: str
    escalate_reason: str
    archive_reason: str
    classify_reason: str
    correct_reason: str


ZH: Final = Phrases(
    ack="您好，您的问题已受理，工单号 {number}。工程师正在排查，有进展会第一时间通知您。",
    ask_info="为便于定位，请提供：1）问题出现的具体时间；2）报错截图；3）客户端日志（帮助 → 导出日志）。收到后我们会继续处理。",
    supplied="已上传截图和日志，问题大约在今天上午 9 点出现。",
    ask_worklog="问：电话联系客户确认现象和复现步骤，每次按相同操作均可复现。",
    test_worklog="测：在测试环境按相同步骤复现并验证修复方案，结果正常，已准备回退方案。",
    coordination_note="已与客户 IT 负责人沟通，对方同意今晚 20:00 后在维护窗口操作。",
    third_party_note="问题涉及外部厂商/运营商，已报障（报障单号 {ref}），等待对方处理。",
    third_party_reason="等待厂商/运营商处理",
    solution="问题已处理：{solution}\n请您验证，如仍有问题请直接回复本工单。",
    confirm="已验证，恢复正常，谢谢！",
    recurred="今天早上问题又出现了，麻烦再看一下。",
    reopen_reason="客户反馈问题再次出现，二次处理",
    hand_back_reason="经初步排查不属于本组处理范围，退回服务台重新分派。",
    reassign_reason="服务台重新分派",
    escalate_reason="确认为程序缺陷，升级至研发组修复。",
    archive_reason="关闭满 3 个工作日，归档",
    classify_reason="确认自动分类",
    correct_reason="关键词匹配的分类不准确，人工更正",
)

EN: Final = Phrases(
    ack="Hello, we have registered your request as {number}. An engineer is looking into it "
    "and will keep you posted.",
    ask_info="To narrow this down, please send: 1) when exactly it happened; 2) a screenshot "
    "of the error; 3) the client log (Help → Export log).",
    supplied="Screenshot and log attached; it happened at about 9 am today.",
    ask_worklog="Ask: called the customer to confirm the symptom; it reproduces every time "
    "with the same steps.",
    test_worklog="Test: reproduced in the test environment and verified the fix; rollback "
    "plan prepared.",
    coordination_note="Agreed with the customer's IT lead to apply the change after 20:00 "
    "in the maintenance window.",
    third_party_note="Depends on an external vendor/carrier; ticket {ref} opened with them, "
    "waiting for their answer.",
    third_party_reason="waiting for the vendor/carrier",
    solution="Fixed: {solution}\nPlease verify and reply to this ticket if anything is still "
    "wrong.",
    confirm="Confirmed, it works now. Thank you!",
    recurred="It happened again this morning, could you please have another look?",
    reopen_reason="the customer reports the problem is back (second round)",
    hand_back_reason="Not for our team after a first look: back to the service desk.",
    reassign_reason="redispatched by the service desk",
    escalate_reason="Confirmed as a software defect: escalated to R&D for a fix.",
    archive_reason="closed for 3 working days: archived",
    classify_reason="suggested classification confirmed",
    correct_reason="the keyword suggestion was wrong: corrected",
)

CLIENT_LOG: Final = (
    "{day} 08:55:12 INFO  client started, version {version}\n"
    "{day} 08:55:14 WARN  retrying request (1/3)\n"
    "{day} 08:55:19 ERROR {error}\n"
)

# A 1×1 PNG, standing in for a customer's screenshot.
SCREENSHOT_PNG: Final = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6360000002000154a24f5d0000000049454e44ae426082"
)
