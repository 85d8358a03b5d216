"""Text pools for seeded tickets and for tickets created during the benchmark.

Titles mention the keyword library's phrases often enough that classification has work to do.
Pools are generated once from a seeded random generator and reused: choosing from a pool is
cheap, building a sentence per row is not.
"""

import random

SYSTEMS = (
    "ERP",
    "OA 办公系统",
    "CRM",
    "财务系统",
    "邮件系统",
    "VPN 客户端",
    "MES 生产系统",
    "WMS 仓储系统",
    "门户网站",
    "报表平台",
    "HR 系统",
    "数据库服务器",
    "文件服务器",
    "视频会议系统",
    "移动 App",
)
SYSTEMS_EN = ("ERP", "CRM", "mail server", "VPN client", "reporting portal", "mobile app", "MES")
PROBLEMS = (
    "无法登录",
    "登录失败",
    "密码错误",
    "忘记密码",
    "权限不足",
    "数据丢失",
    "数据不一致",
    "导入失败",
    "连接超时",
    "网络中断",
    "网速慢",
    "蓝屏",
    "死机",
    "打印机无法打印",
    "服务器宕机",
    "崩溃",
    "闪退",
    "报错",
    "兼容问题",
    "如何配置审批流程",
    "怎么设置自动备份",
    "如何使用批量导出",
    "建议增加导出 Excel 功能",
    "希望支持企业微信登录",
    "页面加载很慢",
    "显示乱码",
    "附件无法打开",
    "升级后功能异常",
    "偶发卡顿",
    "同步失败",
)
PROBLEMS_EN = (
    "cannot log in",
    "login failed",
    "password reset does not arrive",
    "permission denied on report",
    "data loss after import",
    "connection timeout",
    "requests timed out",
    "crash on start",
    "printer offline",
    "how to configure SSO",
    "feature request: dark mode",
    "slow response",
)
TITLE_FORMS = (
    "{s}{p}",
    "{s}{p}，影响{n}人",
    "紧急：{s}{p}",
    "{s}{p}，请尽快处理",
    "{s}从{w}开始{p}",
)
WHEN = ("今天上午", "昨晚", "升级之后", "周一早上", "月底结账时", "切换网络后")
SENTENCES = (
    "用户反馈{s}{p}，已持续约{n}分钟。",
    "影响范围：{d}，约{n}名用户。",
    "已尝试重启客户端并清除缓存，问题依旧。",
    "错误提示：{e}。",
    "在{m}上可以稳定复现，其他电脑正常。",
    "请尽快协助排查，业务受到影响。",
    "最近没有做过配置变更。",
    "附件为报错截图和日志。",
    "同事的账号也出现同样的问题。",
    "问题为偶发，大约每小时出现一次。",
)
DEPARTMENTS = ("财务部", "销售部", "生产车间", "仓储物流部", "人力资源部", "客服中心", "研发中心")
ERRORS = (
    "ERR_CONNECTION_TIMED_OUT",
    "ORA-12541: TNS:no listener",
    "HTTP 500 Internal Server Error",
    "java.lang.NullPointerException",
    "0x0000007B INACCESSIBLE_BOOT_DEVICE",
    "登录凭证已过期",
    "磁盘空间不足",
)
MACHINES = ("ThinkPad T14", "HP ProDesk 600", "Dell OptiPlex 7090", "MacBook Pro", "华为 MateBook")
EN_SENTENCES = (
    "Users report that the {s} shows '{p}' since this morning.",
    "Restarting the client did not help.",
    "Error message: {e}.",
    "About {n} people are affected in {d}.",
)
REPLIES = (
    "您好，我们已收到您的问题，工程师正在排查，请稍候。",
    "请提供一下报错截图和问题发生的时间，方便我们定位。",
    "已远程协助处理，请确认是否恢复正常。",
    "问题原因是客户端缓存损坏，已清理，请重新登录试试。",
    "已为您重置密码，新密码已通过短信发送。",
    "服务器已恢复，请刷新页面后重试。",
    "该需求已记录，产品经理会在三个工作日内评估并回复。",
    "Hello, we are looking into it and will update you within the hour.",
)
CUSTOMER_REPLIES = (
    "好的，截图已上传。",
    "问题已解决，谢谢！",
    "还是不行，重启后依旧报错。",
    "下午两点以后可以远程。",
    "Thanks, it works again.",
)
NOTES = (
    "初步判断为网络设备故障，已联系网络组。",
    "与上周的同类问题相同，参考知识库文章处理。",
    "需要厂商支持，已提交工单。",
    "客户环境为旧版本，建议升级。",
)
WORKLOGS = {
    "ask": ("已询问用户复现步骤：登录后点击报表即报错。", "确认影响范围为单个部门。"),
    "look": ("查看应用日志，发现大量连接超时。", "检查服务器磁盘，剩余空间 2%。"),
    "test": ("在测试环境复现成功，回滚补丁后恢复。", "更换网线后连通性测试通过。"),
}
PRODUCTS = (("ERP", "V9.2"), ("ERP", "V10.1"), ("CRM", "2025.3"), ("MES", "5.4"), ("OA", "8.0"))


def _title(rng: random.Random) -> str:
    if rng.random() < 0.15:
        return f"{rng.choice(SYSTEMS_EN)}: {rng.choice(PROBLEMS_EN)}"
    form = rng.choice(TITLE_FORMS)
    return form.format(
        s=rng.choice(SYSTEMS), p=rng.choice(PROBLEMS), n=rng.randint(2, 300), w=rng.choice(WHEN)
    )


def _description(rng: random.Random) -> str:
    fill = {
        "s": rng.choice(SYSTEMS),
        "p": rng.choice(PROBLEMS),
        "n": rng.randint(2, 120),
        "d": rng.choice(DEPARTMENTS),
        "e": rng.choice(ERRORS),
        "m": rng.choice(MACHINES),
    }
    if rng.random() < 0.15:
        fill.update(s=rng.choice(SYSTEMS_EN), p=rng.choice(PROBLEMS_EN))
        return " ".join(s.format(**fill) for s in rng.sample(EN_SENTENCES, 3))
    return "".join(s.format(**fill) for s in rng.sample(SENTENCES, rng.randint(2, 5)))


def title_pool(rng: random.Random, size: int = 4000) -> list[str]:
    return [_title(rng)[:200] for _ in range(size)]


def description_pool(rng: random.Random, size: int = 4000) -> list[str]:
    return [_description(rng) for _ in range(size)]
