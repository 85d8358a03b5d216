"""Default configuration shipped with the helpdesk (PROCESS §4, §5). Pure data."""

from typing import Final

# (code, 中文, English, [(code, 中文, English), ...])
CATEGORIES: Final = [
    (
        "hardware",
        "硬件故障",
        "Hardware fault",
        [
            ("hardware-server", "服务器故障", "Server failure"),
            ("hardware-storage", "存储故障", "Storage failure"),
            ("hardware-terminal", "终端设备故障", "Terminal device failure"),
            ("hardware-peripheral", "外设/打印机", "Peripheral / printer"),
        ],
    ),
    (
        "software",
        "软件异常",
        "Software fault / bug",
        [
            ("software-crash", "程序崩溃", "Crash"),
            ("software-function", "功能失效", "Function failure"),
            ("software-compat", "兼容性问题", "Compatibility"),
        ],
    ),
    (
        "network",
        "网络异常",
        "Network",
        [
            ("network-down", "连接中断", "Connection lost"),
            ("network-slow", "网络缓慢", "Slow network"),
            ("network-vpn", "VPN/专线", "VPN / leased line"),
        ],
    ),
    (
        "account",
        "账号权限",
        "Account & permission",
        [
            ("account-login", "登录失败", "Login failure"),
            ("account-permission", "权限不足", "Missing permission"),
            ("account-password", "密码重置", "Password reset"),
        ],
    ),
    (
        "data",
        "数据异常",
        "Data anomaly",
        [
            ("data-loss", "数据丢失", "Data loss"),
            ("data-inconsistent", "数据不一致", "Inconsistent data"),
            ("data-import", "导入导出", "Import / export"),
        ],
    ),
    (
        "consulting",
        "配置/功能咨询",
        "Configuration / how-to",
        [
            ("consulting-config", "配置指导", "Configuration guidance"),
            ("consulting-usage", "功能使用", "Feature usage"),
        ],
    ),
    (
        "requirement",
        "客户需求",
        "Customer requirement",
        [
            ("requirement-optimize", "功能优化", "Feature optimisation"),
            ("requirement-new", "新功能", "New feature"),
            ("requirement-ux", "体验改进", "Experience improvement"),
        ],
    ),
]

# (phrase, category code, tags)
KEYWORDS: Final = [
    ("无法登录", "account-login", ["登录"]),
    ("登录失败", "account-login", ["登录"]),
    ("登不上", "account-login", ["登录"]),
    ("密码错误", "account-password", ["密码"]),
    ("忘记密码", "account-password", ["密码"]),
    ("权限不足", "account-permission", ["权限"]),
    ("没有权限", "account-permission", ["权限"]),
    ("数据丢失", "data-loss", ["数据"]),
    ("数据不一致", "data-inconsistent", ["数据"]),
    ("导入失败", "data-import", ["数据"]),
    ("连接超时", "network-down", ["网络", "超时"]),
    ("网络中断", "network-down", ["网络"]),
    ("断网", "network-down", ["网络"]),
    ("网速慢", "network-slow", ["网络"]),
    ("vpn", "network-vpn", ["网络", "VPN"]),
    ("蓝屏", "hardware-terminal", ["硬件"]),
    ("死机", "hardware-terminal", ["硬件"]),
    ("硬盘", "hardware-storage", ["硬件", "存储"]),
    ("打印机", "hardware-peripheral", ["硬件", "打印"]),
    ("服务器宕机", "hardware-server", ["硬件", "服务器"]),
    ("崩溃", "software-crash", ["崩溃"]),
    ("闪退", "software-crash", ["崩溃"]),
    ("报错", "software-function", ["报错"]),
    ("兼容", "software-compat", ["兼容性"]),
    ("如何配置", "consulting-config", ["咨询"]),
    ("怎么设置", "consulting-config", ["咨询"]),
    ("如何使用", "consulting-usage", ["咨询"]),
    ("建议增加", "requirement-new", ["需求"]),
    ("希望支持", "requirement-new", ["需求"]),
    ("优化", "requirement-optimize", ["需求"]),
    ("cannot log in", "account-login", ["login"]),
    ("login failed", "account-login", ["login"]),
    ("password reset", "account-password", ["password"]),
    ("permission denied", "account-permission", ["permission"]),
    ("data loss", "data-loss", ["data"]),
    ("connection timeout", "network-down", ["network", "timeout"]),
    ("timed out", "network-down", ["network", "timeout"]),
    ("crash", "software-crash", ["crash"]),
    ("printer", "hardware-peripheral", ["printer"]),
    ("how to", "consulting-usage", ["how-to"]),
    ("feature request", "requirement-new", ["requirement"]),
]

# (code, 中文, English, default?, [(level code, 中文, English, rank), ...])
PRIORITY_SCHEMES: Final = [
    (
        "four-level",
        "四级优先级",
        "Four levels",
        True,
        [
            ("urgent", "紧急", "Urgent", 1),
            ("high", "高", "High", 2),
            ("medium", "中", "Medium", 3),
            ("low", "低", "Low", 4),
        ],
    ),
    (
        "three-level",
        "三级分类",
        "Three levels",
        False,
        [
            ("urgent", "紧急类", "Urgent", 1),
            ("important", "重要类", "Important", 2),
            ("general", "一般类", "General", 3),
        ],
    ),
    (
        "sab",
        "S/A/B 分级",
        "S/A/B",
        False,
        [
            ("s", "S 紧急", "S urgent", 1),
            ("a", "A 高优", "A high", 2),
            ("b", "B 常规", "B routine", 3),
        ],
    ),
    (
        "severity",
        "严重程度",
        "Severity",
        False,
        [
            ("fatal", "致命", "Fatal", 1),
            ("severe", "严重", "Severe", 2),
            ("normal", "一般", "Normal", 3),
            ("minor", "轻微", "Minor", 4),
        ],
    ),
]

# canonical rank → minimum seniority (1 junior, 2 senior, 3 expert)
SENIORITY_RULES: Final = [(1, 2), (2, 1), (3, 1), (4, 1)]
