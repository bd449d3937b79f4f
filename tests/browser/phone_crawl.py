"""Crawls what one account reaches from its navigation on a 390 x 844 phone and checks each page:
nothing wider than the screen (unless inside a box that scrolls sideways on purpose), no word
cut because its box is narrower than it (a status one character a line), text contrast at least
WCAG AA, no console error. Used by test_phone_fit."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass, field
from urllib.parse import urldefrag, urlsplit

from playwright.sync_api import Error as PlaywrightError

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 1,
    "is_mobile": True,
    "has_touch": True,
}
LANGUAGES = ("zh-hans", "en")
# Not pages of the site's own templates, or not pages at all.
SKIPPED_PREFIXES = ("/admin/", "/api/", "/i18n/", "/accounts/logout", "/static/", "/media/")
SKIPPED_SUFFIXES = (".pdf", ".csv", ".xlsx", ".png", ".svg", ".jpg", ".json", ".jsonld", ".zip")

TEXT_LIMIT = 400  # text elements checked per page, at most
# Runs in the page: a list of {kind, element, detail}. Bounded: the first `limit` text elements.
CHECKS = r"""
(limit) => {
  const W = document.documentElement.clientWidth;
  const problems = [];
  const describe = (el) => {
    const parts = [];
    for (let e = el; e && e !== document.body && parts.length < 4; e = e.parentElement) {
      let part = e.tagName.toLowerCase();
      if (e.id) { parts.unshift(part + "#" + e.id); break; }
      const cls = [...e.classList].slice(0, 2).join(".");
      if (cls) part += "." + cls;
      parts.unshift(part);
    }
    const text = (el.innerText || el.textContent || "").trim().replace(/\s+/g, " ").slice(0, 40);
    return parts.join(" > ") + (text ? ` "${text}"` : "");
  };
  const style = (el) => getComputedStyle(el);
  const clipsX = (el) => ["auto", "scroll", "hidden", "clip"].includes(style(el).overflowX);
  const insideClip = (el) => {
    for (let e = el.parentElement; e && e !== document.body; e = e.parentElement) {
      if (clipsX(e)) return true;
    }
    return false;
  };
  const wide = document.scrollingElement.scrollWidth;
  if (wide > W + 1) problems.push({kind: "page wider than the screen", element: "html", detail: `${wide}px`});
  // The outermost elements that stick out of the screen (their parent fits), not inside a box
  // that scrolls or clips sideways.
  const out = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && (r.right > W + 1 || r.left < -1); };
  for (const el of document.body.querySelectorAll("*")) {
    if (!out(el) || (el.parentElement !== document.body && out(el.parentElement))) continue;
    if (style(el).position === "fixed" || insideClip(el)) continue;
    const r = el.getBoundingClientRect();
    problems.push({kind: "wider than the screen", element: describe(el), detail: `${Math.round(r.left)}..${Math.round(r.right)}px`});
  }
  // Words broken across lines: Latin tokens, and short Chinese labels standing alone.
  const latin = /^[\x21-\x7e\u00c0-\u024f]{2,24}$/;
  const han = /^[\u3400-\u9fff\uff01-\uff5e]{2,8}$/;
  // Inside a box of one pixel that hides its overflow: there for screen readers only.
  const unseen = (el) => {
    for (let e = el; e && e !== document.body; e = e.parentElement) {
      const r = e.getBoundingClientRect();
      if ((r.width <= 1 || r.height <= 1) && style(e).overflow !== "visible") return true;
    }
    return false;
  };
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  let seen = 0;
  const textElements = new Set();
  for (let node = walker.nextNode(); node && seen < limit; node = walker.nextNode()) {
    const el = node.parentElement;
    if (!el || !node.data.trim() || el.closest("svg, script, style, option, .visually-hidden")) continue;
    const r = el.getBoundingClientRect();
    if (r.width === 0 || r.height === 0 || style(el).visibility === "hidden" || unseen(el)) continue;
    seen += 1;
    textElements.add(el);
    const trimmed = node.data.trim();
    for (const match of node.data.matchAll(/\S+/g)) {
      const token = match[0];
      if (!latin.test(token) && !(han.test(token) && token === trimmed)) continue;
      const range = document.createRange();
      range.setStart(node, match.index);
      range.setEnd(node, match.index + token.length);
      const rects = [...range.getClientRects()].filter(q => q.width > 0);
      if (new Set(rects.map(q => Math.round(q.top))).size < 2) continue;
      // Broken because its box is narrower than the word, not because it came at a line's end.
      let box = el;
      while (box.parentElement && style(box).display.startsWith("inline")) box = box.parentElement;
      const b = style(box);
      const room = box.clientWidth - parseFloat(b.paddingLeft) - parseFloat(b.paddingRight);
      if (rects.reduce((sum, q) => sum + q.width, 0) > room + 1) {
        problems.push({kind: "word broken across lines", element: describe(el), detail: token});
        break;
      }
    }
  }
  // Contrast: the text colour over the background actually under it (ancestors composited).
  const rgba = (text) => {
    const m = text.match(/rgba?\(([^)]+)\)/);
    if (!m) return null;
    const v = m[1].split(/[ ,/]+/).filter(Boolean).map(Number);
    return [v[0], v[1], v[2], v.length > 3 ? v[3] : 1];
  };
  const over = (top, bottom) => {
    const a = top[3];
    return [0, 1, 2].map(i => top[i] * a + bottom[i] * (1 - a)).concat([1]);
  };
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    const layers = [];
    for (let e = el; e; e = e.parentElement) {
      const s = style(e);
      if (s.backgroundImage !== "none") return null;  // a picture or gradient: not computed
      const c = rgba(s.backgroundColor);
      if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
    }
    let colour = [255, 255, 255, 1];
    for (const layer of layers.reverse()) colour = over(layer, colour);
    return colour;
  };
  for (const el of textElements) {
    if (el.closest(":disabled")) continue;
    const s = style(el);
    const bg = background(el);
    const fg = rgba(s.color);
    if (!bg || !fg) continue;
    const text = over(fg, bg);
    const [l1, l2] = [luminance(text), luminance(bg)].sort((a, b) => b - a);
    const ratio = (l1 + 0.05) / (l2 + 0.05);
    const size = parseFloat(s.fontSize);
    const large = size >= 24 || (size >= 18.66 && Number(s.fontWeight) >= 700);
    const needed = large ? 3 : 4.5;
    if (ratio < needed) {
      problems.push({kind: "contrast below WCAG AA", element: describe(el), detail: `${ratio.toFixed(2)}:1 (${s.color} on rgb(${bg.slice(0, 3).map(Math.round).join(", ")}))`});
    }
  }
  return problems;
}
"""


@dataclass
class Crawl:
    """What one account's crawl found: the pages it checked and the problems, one line each."""

    role: str
    pages: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


@dataclass
class Seen:
    """Shared by the crawls of all roles: the kinds of page already checked, and their links (a
    role's crawl goes on through a page another role checked without loading it again)."""

    links: dict[str, list[str]] = field(default_factory=dict)


def page_kind(path: str) -> str:
    """The kind of page a path is: segments with digits (ids, order numbers) are one kind."""
    return re.sub(r"/[^/]*\d[^/]*", "/*", path)


def crawlable(base: str, href: str) -> str | None:
    url, _fragment = urldefrag(href)
    parts = urlsplit(url)
    if f"{parts.scheme}://{parts.netloc}" != base:
        return None
    if parts.path.startswith(SKIPPED_PREFIXES) or parts.path.endswith(SKIPPED_SUFFIXES):
        return None
    return url


def log_in(page, base: str, username: str, password: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("#login")
    page.wait_for_load_state()


def links(page, base: str) -> list[str]:
    """The page's links, its navigation's first (header, sub-menus), then its content's."""
    found = page.locator("nav a[href]").evaluate_all("as => as.map(a => a.href)")
    found += page.locator("main a[href]:not([download])").evaluate_all("as => as.map(a => a.href)")
    return [url for url in (crawlable(base, href) for href in found) if url]


def summarised(problems: list[dict]) -> list[str]:
    """One line per kind of problem and element (rows of a table repeat it), with a count."""
    groups: dict[tuple[str, str], list[dict]] = {}
    for problem in problems:
        shape = re.sub(r'#\S*\d\S*|".*', "", problem["element"])  # rows' ids, texts
        groups.setdefault((problem["kind"], shape), []).append(problem)
    lines = []
    for (kind, _shape), found in groups.items():
        first = found[0]
        more = f" and {len(found) - 1} more like it" if len(found) > 1 else ""
        lines.append(f"{kind}: {first['element']} ({first['detail']}){more}")
    return lines


def problems_on(page, errors: list[str]) -> list[str]:
    """The problems of the page as it stands, and the console errors since `errors` was emptied."""
    found = summarised(page.evaluate(CHECKS, TEXT_LIMIT))
    return found + [f"console error: {text}" for text in errors]


def crawl(
    browser,
    base: str,
    username: str | None,
    password: str,
    *,
    role: str,
    seen: Seen,
    max_pages: int = 15,
) -> Crawl:
    """Breadth first from the page after logging in (a visitor, no `username`: the site's root), at most `max_pages` kinds of page (one order
    page stands for all), checked in Chinese, then the same pages in English. Kinds of page
    another role checked are passed through, not checked again; the landing page, which shows
    the role's navigation, always is."""
    result = Crawl(role)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    errors: list[str] = []
    # Pages another role's link led to that refused this role: the browser's "Failed to load
    # resource" for such a page can arrive after the next navigation began; it is not that
    # page's error.
    refused: set[str] = set()

    def on_console(message) -> None:
        source = message.location.get("url") or ""
        # A refused page is the server's bare error page, without the site's icon link, so the
        # browser also asks for /favicon.ico (404), as late.
        late = source in refused or (refused and urlsplit(source).path == "/favicon.ico")
        if message.type == "error" and not late:
            errors.append(message.text)

    page.on("console", on_console)
    page.on("pageerror", lambda e: errors.append(str(e)))
    host = urlsplit(base).hostname

    def visit(url: str, language: str, own: bool = True) -> bool:
        # The sync API hands over events only while it waits: let the last page's late console
        # messages (a 404 page's "Failed to load resource") arrive before the slate is wiped,
        # or they are blamed on this page.
        page.wait_for_timeout(50)
        errors.clear()
        try:
            response = page.goto(url)
        except PlaywrightError as error:
            if "Download is starting" in error.message:  # a file, not a page
                return False
            raise
        if response is None or "text/html" not in response.headers.get("content-type", ""):
            return False
        address = urlsplit(page.url)
        where = f"{role} · {language} · {address.path}{'?' if address.query else ''}{address.query}"
        if response.status >= 400:
            # A link this role was shown must work for it; one seen by another role may not.
            if own:
                result.problems.append(f"{where}: HTTP {response.status}")
            else:
                refused.add(response.url)
            return False
        result.problems.extend(f"{where}: {line}" for line in problems_on(page, errors))
        return True

    def speak(language: str) -> None:
        context.add_cookies(
            [{"name": "django_language", "value": language, "domain": host, "path": "/"}]
        )

    try:
        speak(LANGUAGES[0])
        if username is None:
            page.goto(f"{base}/")
        else:
            log_in(page, base, username, password)
        queue = deque([(page.url, True)])
        kinds: set[str] = set()
        while queue and len(result.pages) < max_pages:
            url, own = queue.popleft()
            kind = page_kind(urlsplit(url).path)
            if kind in kinds:
                continue
            kinds.add(kind)
            if kind in seen.links and result.pages:
                queue.extend((link, False) for link in seen.links[kind])
            elif visit(url, LANGUAGES[0], own):
                result.pages.append(page.url)
                seen.links[kind] = links(page, base)
                queue.extend((link, True) for link in seen.links[kind])
        for language in LANGUAGES[1:]:
            speak(language)
            for url in result.pages:
                visit(url, language)
    finally:
        context.close()
    return result
