"""The Simplified Chinese catalogue: complete, well-formed, compiled and actually used."""

import ast
import fcntl
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext, ngettext

from tickets.models import MessageKind, Status

PO = Path(django_settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
MSGFMT = shutil.which("msgfmt")
needs_msgfmt = pytest.mark.skipif(MSGFMT is None, reason="GNU gettext (msgfmt) is not installed")
needs_mo = pytest.mark.usefixtures("zh_catalogue")


@pytest.fixture(scope="session")
def compiled_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The compiled .mo, built with compilemessages when missing or older than the .po."""
    # Under pytest-xdist the workers share the parent of their base temp directory: one lock.
    lock = tmp_path_factory.getbasetemp().parent / "compilemessages.lock"
    with lock.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        if not MO.exists() or MO.stat().st_mtime < PO.stat().st_mtime:
            if MSGFMT is None:
                pytest.skip("the .mo is missing or stale and msgfmt is not installed")
            call_command(
                "compilemessages",
                locale=["zh_Hans"],
                ignore_patterns=[".venv", "node_modules", "bench", "var", "test-artifacts"],
                verbosity=0,
            )
    return MO


@pytest.fixture
def zh_catalogue(compiled_catalogue: Path, settings) -> Path:
    """The compiled catalogue, freshly loaded by Django for this test."""
    # Re-setting LOCALE_PATHS drops Django's cached catalogues, so a .mo compiled after another
    # test already loaded "zh-hans" in this process is the one that is read.
    settings.LOCALE_PATHS = [*settings.LOCALE_PATHS]
    return compiled_catalogue


def po_entries(path: Path) -> list[dict[str, str]]:
    """A small reader for the .po: msgid, msgid_plural, msgstr / msgstr[N] of each entry."""
    entries: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    key = ""
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            if entry:
                entries.append(entry)
            entry, key = {}, ""
            continue
        if line.startswith('"'):
            entry[key] += ast.literal_eval(line)
            continue
        key, _, literal = line.partition(" ")
        if key in entry:  # a new entry started without a blank line in between
            entries.append(entry)
            entry = {}
        entry[key] = ast.literal_eval(literal)
    if entry:
        entries.append(entry)
    return [e for e in entries if e.get("msgid")]


PLACEHOLDER = re.compile(
    r"%\(\w+\)[-#0 +]*\d*(?:\.\d+)?[sdfir]|%[sdfir]|\{\w*\}|</?[a-zA-Z][^>]*>|&\w+;"
)


def placeholders(text: str) -> list[str]:
    return sorted(PLACEHOLDER.findall(text))


# (a) strings translate under override("zh-hans")


@needs_mo
@pytest.mark.parametrize(
    ("source", "chinese"),
    [
        (lambda: Status.IN_PROGRESS.label, "处理中"),
        (lambda: Status.WAITING_CUSTOMER.label, "待客户反馈"),
        (lambda: Status.WAITING_THIRD_PARTY.label, "待第三方"),
        (lambda: Status.RESOLVED.label, "已解决待验证"),
        (lambda: Status.ARCHIVED.label, "已归档"),
        (lambda: MessageKind.NOTE.label, "内部备注"),
        (lambda: MessageKind.WORKLOG.label, "工作日志"),
        (lambda: gettext("Sign in"), "登录"),
        (lambda: gettext("Hand back"), "退单"),
        (lambda: ngettext("%(n)d working day", "%(n)d working days", 3) % {"n": 3}, "3 个工作日"),
        (lambda: ngettext("%(n)d working day", "%(n)d working days", 1) % {"n": 1}, "1 个工作日"),
    ],
)
def test_strings_translate_to_chinese(source, chinese) -> None:
    with translation.override("zh-hans"):
        assert str(source()) == chinese
    with translation.override("en"):
        assert str(source()) != chinese


@needs_mo
def test_a_named_placeholder_survives_translation() -> None:
    with translation.override("zh-hans"):
        text = gettext("Ticket %(number)s registered.") % {"number": "TS-20260102-001"}
    assert text == "工单 TS-20260102-001 已登记。"


@needs_mo
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("accept", "title"),
    [
        ("zh-hans", "<title>登录 · 技术支持服务台</title>"),
        ("en", "<title>Sign in · Technical support helpdesk</title>"),
    ],
)
def test_login_page_title_follows_the_browser_language(client, accept, title) -> None:
    response = client.get(reverse("login"), HTTP_ACCEPT_LANGUAGE=accept)
    assert response.status_code == 200
    assert title in response.content.decode()


# (b) the catalogue is complete and well-formed


@needs_msgfmt
def test_catalogue_is_complete() -> None:
    result = subprocess.run(
        [MSGFMT, "--check", "--statistics", "-o", "/dev/null", str(PO)],
        capture_output=True,
        text=True,
        check=False,
    )
    report = result.stdout + result.stderr
    assert result.returncode == 0, report
    assert "translated message" in report, report
    assert "untranslated" not in report, report
    assert "fuzzy" not in report, report


def test_catalogue_header_and_no_fuzzy_flags() -> None:
    text = PO.read_text(encoding="utf-8")
    assert '"Language: zh_Hans\\n"' in text
    assert '"Plural-Forms: nplurals=1; plural=0;\\n"' in text
    assert '"Content-Type: text/plain; charset=UTF-8\\n"' in text
    assert "#, fuzzy" not in text and "#~" not in text


def test_translations_keep_placeholders_and_markup() -> None:
    entries = po_entries(PO)
    assert len(entries) > 600
    wrong = []
    for entry in entries:
        source = entry.get("msgid_plural", entry["msgid"])
        for key, text in entry.items():
            if key.startswith("msgstr") and placeholders(text) != placeholders(source):
                wrong.append((entry["msgid"], text))
    assert wrong == []


# (c) the queue page follows the agent's saved language


@needs_mo
@pytest.mark.django_db
@pytest.mark.parametrize(
    ("language", "expected", "absent"),
    [
        (
            "zh-hans",
            ["我的工单", "我的团队", "全部工单", "新建工单"],
            ["My tickets", "All tickets"],
        ),
        ("en", ["My tickets", "My teams", "All tickets", "New ticket"], ["我的工单", "全部工单"]),
    ],
)
def test_queue_navbar_follows_the_users_language(client, agent, language, expected, absent):
    agent.language = language
    agent.save(update_fields=["language"])
    client.force_login(agent)
    response = client.get(reverse("tickets:queue"))
    assert response.status_code == 200
    html = response.content.decode()
    for text in expected:
        assert text in html
    for text in absent:
        assert text not in html
