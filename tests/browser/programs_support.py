"""Shared by the programs browser tests: a Chromium page and a log-in helper."""

import pytest


@pytest.fixture
def page(monkeypatch):
    from playwright.sync_api import sync_playwright

    # Playwright's sync API runs an event loop in this thread; the test's own ORM calls are
    # still synchronous and safe. Only for this test: `manage check --deploy` refuses the flag.
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-background-networking"],
        )
        context = browser.new_context(accept_downloads=True, locale="en-US")
        # English pages, so that the test reads the same words on any machine.
        context.add_cookies(
            [{"name": "django_language", "value": "en", "domain": "localhost", "path": "/"}]
        )
        yield context.new_page()
        context.close()
        browser.close()


def log_in(page, base_url, username, password="pass-word-123"):
    page.goto(f"{base_url}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login")
    page.wait_for_load_state()
