import pytest

from tests.factories import UserFactory
from tickets.roles import Role

from .factories import ArticleFactory


@pytest.fixture
def expert(db):
    return UserFactory(username="expert", role=Role.EXPERT)


@pytest.fixture
def corpus(db, engineer):
    """Chinese and English articles, public and internal, published and not."""
    return {
        "login": ArticleFactory(
            title="无法登录系统，提示密码错误",
            symptom="用户输入正确密码后仍然无法登录，页面提示“密码错误”。",
            solution="清除浏览器缓存，重置密码后重新登录。",
            product="OA",
            product_version="3.2.1",
            author=engineer,
        ),
        "printer": ArticleFactory(
            title="打印机无法连接网络",
            symptom="网络打印机显示离线，无法打印。",
            solution="检查网线与 IP 地址配置，重启打印服务。",
            author=engineer,
        ),
        "vpn": ArticleFactory(
            title="VPN connection drops every few minutes",
            symptom="The VPN client disconnects with error 809 after a few minutes.",
            solution="Enable NAT traversal on the firewall and update the client.",
            product="VPN",
            product_version="5.0",
            author=engineer,
        ),
        "password": ArticleFactory(
            title="Password reset email never arrives",
            symptom="Users request a password reset but receive no email.",
            solution="Check the SMTP relay and the spam folder.",
            author=engineer,
        ),
        "internal": ArticleFactory(
            title="数据库主从切换内部步骤 登录",
            symptom="内部：登录数据库服务器执行切换，root 密码 secret-internal。",
            solution="内部操作手册。",
            audience="internal",
            author=engineer,
        ),
        "draft": ArticleFactory(
            title="登录页面草稿",
            symptom="草稿：登录失败",
            solution="未审核",
            status="draft",
            author=engineer,
        ),
    }
