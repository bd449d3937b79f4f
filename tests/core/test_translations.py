"""The zh-Hans catalogues: complete, consistent with each other, compiled, and right at runtime.

Django merges every catalogue into one per language, so one message id (with its context) can
have only one translation at runtime: two catalogues that translate it differently show one app's
word on the other's pages. Where one English word means two things, the code gives it a context
(`pgettext`), and the catalogues translate each context once.
"""

from collections import defaultdict
from pathlib import Path

import polib
import pytest
from django.apps import apps
from django.utils import translation
from django.utils.translation import gettext, ngettext, npgettext, pgettext

import countyhub
from countyhub.catalog.models import Certification, Product
from countyhub.programs.models import IncentiveRule, LineKind, Program
from countyhub.shop.models import Order, OrderStatus, Payment
from countyhub.stations.models import Station
from countyhub.trace.models import Container
from countyhub.training.models import Session

ROOT = Path(countyhub.__file__).parent
CATALOGUES = sorted(ROOT.glob("**/locale/zh_Hans/LC_MESSAGES/*.po"))


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _translations(entries) -> dict:
    return {
        (entry.msgctxt, entry.msgid): (
            tuple(sorted(entry.msgstr_plural.items())) if entry.msgid_plural else entry.msgstr
        )
        for entry in entries
        if entry.msgid
    }


def test_every_app_with_strings_has_its_catalogue():
    found = {path.parts[len(ROOT.parts)] for path in CATALOGUES}
    assert {"locale", "core", "catalog", "shop", "trace", "programs", "training"} <= found


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_every_message_is_translated_and_none_fuzzy(path):
    catalogue = polib.pofile(path)
    assert [e.msgid for e in catalogue.untranslated_entries()] == []
    assert [e.msgid for e in catalogue.fuzzy_entries()] == []
    assert not catalogue.metadata_is_fuzzy
    assert catalogue.metadata["Plural-Forms"] == "nplurals=1; plural=0;"


def test_no_message_is_translated_two_ways():
    seen = defaultdict(dict)
    for path in CATALOGUES:
        for key, text in _translations(polib.pofile(path)).items():
            seen[key][_name(path)] = text
    conflicts = {key: where for key, where in seen.items() if len(set(where.values())) > 1}
    assert conflicts == {}


def test_project_catalogue_holds_no_app_strings():
    # An app's strings live in the app's own catalogue; the project's keeps settings and api.
    app_dirs = {
        Path(config.path).name
        for config in apps.get_app_configs()
        if Path(config.path).parent == ROOT
    }
    catalogue = polib.pofile(ROOT / "locale/zh_Hans/LC_MESSAGES/django.po")
    misplaced = [
        (entry.msgid, file)
        for entry in catalogue
        for file, _line in entry.occurrences
        if Path(file).parts[0] in app_dirs
    ]
    assert misplaced == []


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_compiled_catalogue_matches_its_source(path):
    # The .mo files are committed (a fresh clone needs no gettext); `make messages` recompiles.
    compiled = path.with_suffix(".mo")
    assert compiled.exists(), f"{_name(compiled)} missing: run `make messages`"
    source = polib.pofile(path)
    assert _translations(polib.mofile(compiled)) == _translations(source.translated_entries())


def _first_form(entry) -> str:
    return entry.msgstr_plural[0] if entry.msgid_plural else entry.msgstr


def _shown(entry) -> str:
    context, text, plural = entry.msgctxt, entry.msgid, entry.msgid_plural
    if plural:
        return npgettext(context, text, plural, 1) if context else ngettext(text, plural, 1)
    return pgettext(context, text) if context else gettext(text)


@pytest.mark.parametrize("path", CATALOGUES, ids=_name)
def test_the_runtime_catalogue_says_what_each_catalogue_says(path):
    # Django merges the catalogues: LOCALE_PATHS over the apps, an app listed earlier in
    # INSTALLED_APPS over a later one (django.contrib.admin and sessions come first). An entry that
    # another catalogue shadows never reaches the user, so it must give a context of its own.
    with translation.override("zh-hans"):
        shadowed = {
            (entry.msgctxt, entry.msgid): (wanted, shown)
            for entry in polib.pofile(path).translated_entries()
            if (wanted := _first_form(entry)) != (shown := _shown(entry))
        }
    assert shadowed == {}


@pytest.mark.parametrize(
    ("label", "expected"),
    [
        # The three words users reported, in the catalogue Django really uses.
        (lambda: IncentiveRule._meta.get_field("active").verbose_name, "有效"),
        (lambda: Product._meta.get_field("active").verbose_name, "在售"),
        (lambda: LineKind.PAYMENT.label, "发放"),
        (lambda: Payment._meta.verbose_name, "付款"),
        (lambda: Order._meta.get_field("payment_method").verbose_name, "付款"),
        (lambda: Container._meta.get_field("level").verbose_name, "包装层级"),
        (lambda: Program._meta.get_field("level").verbose_name, "级别"),
        # The other words that meant two things.
        (lambda: Station._meta.get_field("active").verbose_name, "运营中"),
        (lambda: Certification._meta.get_field("issuer").verbose_name, "发证机构"),
        (lambda: Container._meta.get_field("received_at").verbose_name, "签收时间"),
        (lambda: Payment._meta.get_field("received_at").verbose_name, "到账时间"),
        (lambda: OrderStatus.PACKED.label, "已打包"),
        (lambda: OrderStatus.COMPLETED.label, "已完成"),
        (lambda: pgettext("packing output", "packed"), "包装成品"),
        (lambda: pgettext("course", "completed"), "结业日期"),
        # Words that Django's own catalogues (admin, sessions) would otherwise take over.
        (lambda: Session._meta.verbose_name, "场次"),
        (lambda: pgettext("account", "Log out"), "退出登录"),
    ],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_a_word_that_means_two_things_is_translated_by_its_meaning(label, expected):
    with translation.override("zh-hans"):
        assert str(label()) == expected


def test_rules_page_says_a_rule_is_in_force_not_on_sale(world, client):
    client.force_login(world.users["county_admin"])
    client.cookies["django_language"] = "zh-hans"
    page = client.get(f"/c/{world.county.slug}/programs/rules/").content.decode()
    assert "<th>有效</th>" in page
    assert "在售" not in page
