"""Real-browser fixtures: Debian's Chromium, driven by Playwright, against pytest-django's live_server.

`playwright install` cannot download browsers on these machines, so the system Chromium is used.
Without it the tests are skipped locally; under CI (the `CI` variable set) a missing browser fails.
"""

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from django.db import connections
from django.urls import resolve
from playwright.sync_api import Browser, Page, Response, sync_playwright

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
VIEWPORT = {"width": 1366, "height": 900}
TIMEOUT_MS = 10_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Chromium for one test module; Playwright's event loop lives exactly as long."""
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} is missing: install Debian's chromium (and fonts-noto-cjk)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must run the browser tests")
        pytest.skip(reason)
    resolve("/")  # import the URLconf and the views (seconds) before the first test starts
    # While Playwright runs, asyncio sees a running loop in this thread, so:
    # 1. Django refuses ORM calls (from the tests and the database fixtures) unless allowed;
    # 2. Django's connection registry (an asgiref Local) hands out *new* connection objects from
    #    a context var. pytest-django's serialized rollback keeps the migrations' data on the
    #    original objects, and without the same objects it silently restores nothing
    #    (pytest-dev/pytest-django#1117); so the original objects are kept in both storages.
    originals = {alias: connections[alias] for alias in connections}
    with pytest.MonkeyPatch.context() as mp, sync_playwright() as playwright:
        mp.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        for alias, connection in originals.items():
            connections[alias] = connection
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page_problems() -> list[str]:
    """Failed requests, HTTP errors and script errors seen by the pages of one test."""
    return []


@pytest.fixture
def open_page(
    browser: Browser, live_server, page_problems: list[str]
) -> Iterator[Callable[..., Page]]:
    """`open_page(locale="zh-CN")`: a page in a fresh browser context (own cookies)."""
    contexts = []

    def open_(locale: str = "en-US") -> Page:
        context = browser.new_context(
            base_url=live_server.url, locale=locale, viewport=VIEWPORT, device_scale_factor=1
        )
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        page.on("pageerror", lambda exc: page_problems.append(f"script error: {exc}"))
        page.on("requestfailed", lambda req: _request_failed(req, page_problems))
        page.on("response", lambda resp: _check_response(resp, page_problems))
        return page

    yield open_
    for context in contexts:
        context.close()


def _check_response(response: Response, problems: list[str]) -> None:
    # Chromium asks for /favicon.ico on its own when a page declares no icon; that 404 is noise.
    if response.status >= 400 and urlsplit(response.url).path != "/favicon.ico":
        problems.append(f"HTTP {response.status}: {response.url}")


@pytest.fixture(scope="session")
def screenshots() -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    return SCREENSHOTS


def _request_failed(request, problems: list[str]) -> None:
    # A request the browser itself cancels because the page moved on (a panel or the favicon
    # still loading when a link is clicked) is not a failure of the page; an answer with an
    # error status is caught by the response check.
    if request.failure == "net::ERR_ABORTED":
        return
    problems.append(f"request failed: {request.url} ({request.failure})")
