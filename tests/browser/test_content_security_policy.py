"""Every main page runs under the Content-Security-Policy with nothing refused: no inline script,
nothing from other sites, and the page script still does its work (CSRF on cached pages, htmx)."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _pages(world):
    county = world.county.slug
    return {
        None: [
            f"/c/{county}/",
            f"/c/{county}/products/",
            f"/c/{county}/p/{world.product.pk}/",
            f"/c/{county}/cart/",
            "/accounts/login/",
            "/accounts/signup/",
            "/accounts/password_reset/",
            "/admin/login/",
            "/api/docs",
        ],
        "buyer-user": ["/orders/", f"/c/{county}/products/"],
        "seller_staff-user": ["/seller/", "/trace/"],
        "station_operator-user": ["/station/"],
        "county_admin-user": [f"/c/{county}/programs/", "/admin/"],
    }


def test_main_pages_break_no_rule_of_the_policy(world, live_server, browser):
    for username, paths in _pages(world).items():
        context = browser.new_context(viewport={"width": 390, "height": 844})
        page = context.new_page()
        refused: list[str] = []
        page.on(
            "console",
            lambda message, refused=refused: (
                refused.append(message.text) if "Content Security Policy" in message.text else None
            ),
        )
        if username:
            page.goto(f"{live_server.url}/accounts/login/")
            page.fill("#id_username", username)
            page.fill("#id_password", "pass-word-123")
            page.click("#login")
            page.wait_for_load_state()
        for path in paths:
            response = page.goto(f"{live_server.url}{path}")
            assert response.status < 400, path
            policy = response.headers.get("content-security-policy", "")
            assert "script-src 'self'" in policy, path
            page.wait_for_load_state("networkidle")
        assert refused == [], (username, refused)
        context.close()


def test_the_page_script_still_works_under_the_policy(world, live_server, browser):
    """The cached storefront's add-to-cart takes the CSRF token from the cookie (site.js)."""
    page = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    page.goto(f"{live_server.url}/c/{world.county.slug}/p/{world.product.pk}/")
    page.locator("form[action*='/cart/add/'] button").first.click()
    # A locator waits in Playwright's own world: no evaluated string the policy would refuse.
    page.locator("#cart-count", has_text="1").wait_for()
