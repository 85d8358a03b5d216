"""A few realistic knowledge articles (Chinese and English), written and published through the
knowledge services: the engineer drafts and submits, the expert reviews and publishes."""

from django.db import transaction

from knowledge import services as kb
from knowledge.models import Article, ArticleStatus, Audience

from .people import Cast

ARTICLES = [
    {
        "title": "OA 系统无法登录，提示“用户名或密码错误”",
        "symptom": "用户输入正确的用户名和密码后仍无法登录 OA，页面提示“用户名或密码错误”；"
        "同一账号在其他电脑上可以登录。",
        "diagnosis": "1. 确认大小写锁定与输入法状态\n2. 查看浏览器是否保存了旧密码\n"
        "3. 在统一认证日志中查找该账号的失败记录",
        "solution": "清除浏览器缓存和已保存的密码，使用无痕窗口重新登录；"
        "若账号已被锁定，在统一认证后台解锁后重置密码。",
        "prevention": "提醒用户定期修改密码后同步更新浏览器保存的密码。",
        "product": "OA",
        "product_version": "3.2",
        "audience": Audience.PUBLIC,
    },
    {
        "title": "网络打印机显示离线，无法打印",
        "symptom": "办公室的网络打印机在电脑上显示“脱机”，打印任务一直排队。",
        "diagnosis": "ping 打印机 IP；检查打印机面板上的网络状态；确认 DHCP 是否分配了新地址。",
        "solution": "在打印机上设置固定 IP，并在电脑的打印机端口中改为该 IP；重启 Print Spooler 服务。",
        "prevention": "为打印机在 DHCP 服务器中保留地址。",
        "product": "打印服务",
        "audience": Audience.PUBLIC,
    },
    {
        "title": "VPN connection drops every few minutes (error 809)",
        "symptom": "The VPN client connects, then disconnects after a few minutes with error 809.",
        "diagnosis": "Check whether the client is behind NAT; capture the IKE traffic on the firewall.",
        "solution": "Enable NAT traversal (NAT-T) on the firewall and update the VPN client to 5.1.",
        "prevention": "Keep VPN clients on the supported version list.",
        "product": "VPN",
        "product_version": "5.0",
        "audience": Audience.PUBLIC,
    },
    {
        "title": "Password reset email never arrives",
        "symptom": "Users request a password reset but receive no email, also not in spam.",
        "diagnosis": "Look for the message in the SMTP relay log; check SPF for the sender domain.",
        "solution": "Add the helpdesk relay to the SPF record and resend the reset link.",
        "audience": Audience.PUBLIC,
    },
    {
        "title": "数据库连接池耗尽导致接口超时（内部）",
        "symptom": "业务接口大量返回超时，应用日志出现“连接池已满”。",
        "diagnosis": "查看数据库当前连接数与慢查询；检查是否有未释放连接的批处理任务。",
        "solution": "终止长时间空闲的会话，临时调大连接池上限，修复未关闭连接的任务后恢复原配置。",
        "prevention": "为连接池使用率设置告警阈值 80%。",
        "product": "ERP",
        "product_version": "8.1",
        "audience": Audience.INTERNAL,
    },
]


@transaction.atomic
def seed_knowledge(cast: Cast) -> int:
    """Idempotent: articles whose title exists already are left alone. Returns how many were
    created. Resolved and closed demo tickets are indexed for search as well."""
    author, reviewer = cast.users.get("engineer"), cast.users.get("expert")
    if author is None or reviewer is None:
        return 0
    created = 0
    for data in ARTICLES:
        if Article.objects.filter(title=data["title"]).exists():
            continue
        article = kb.article_create(actor=author, data=data)
        kb.article_transition(article_id=article.pk, actor=author, to=ArticleStatus.IN_REVIEW)
        kb.article_transition(article_id=article.pk, actor=reviewer, to=ArticleStatus.PUBLISHED)
        created += 1
    kb.ticket_index_backfill()
    return created
