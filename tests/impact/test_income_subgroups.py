"""Income effects by subgroup (registered-poor status, head's age band, village distance band)
and surveyed income beside recorded income, hand-computed on the small county of
test_income.py; then the page, the CSV and the report, and who may see the heads' birth years.

2019, per person (recorded; platform part): H1 poor, village A 1,650 (1,650); H2 poor, A
4,900 (4,800); H3 other, B 533.33 (500); H4 other, B 150 (0). Heads born 1990 (H1, 29 in
2019), 1985 (H2, 34), 1970 (H3, 49), unknown (H4). Village A 5 km from the seat, B 30 km.
Surveyed total income of 2019: H1 12,000 (6,000 per person), H3 9,000 (3,000 per person)."""

import csv
import io
import math
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import translation
from scipy import stats

from countyhub.analysis.groups import welch_difference
from countyhub.impact import income, subgroups
from countyhub.impact.report import impact_report
from countyhub.surveys import services as survey_services
from tests.impact.test_income import county_2019  # noqa: F401 (the fixture)

D = Decimal
FORM = """| survey |
| | type | name | label::Chinese (zh) | label::English (en) | countyhub::missing | countyhub::money | countyhub::household | countyhub::income |
| | integer | household | 户编号 | Household id | | | yes | |
| | decimal | income | 2019年家庭总收入（元） | Family income 2019 (yuan) | -99 | 2019 | | yes |
| settings |
| | form_id | form_title | version | default_language |
| | inc_test | 收入调查 | 2019010101 | Chinese (zh) |
"""


def answer(number, household_ref, amount):
    return (
        '<?xml version="1.0"?><data id="inc_test" version="2019010101">'
        f"<household>{household_ref}</household><income>{amount}</income>"
        f"<meta><instanceID>uuid:00000000-0000-4000-8000-{number:012d}</instanceID></meta></data>"
    ).encode()


@pytest.fixture
def subgroup_county(county_2019):  # noqa: F811 (the imported fixture)
    world, (h1, h2, h3, h4) = county_2019
    for house, year in ((h1, 1990), (h2, 1985), (h3, 1970)):
        house.head_birth_year = year
        house.save()
    for house, km in ((h1, "5.0"), (h3, "30.0")):
        house.village.distance_to_seat_km = D(km)
        house.village.save()
    admin = world.users["county_admin"]
    questionnaire = survey_services.import_questionnaire(
        actor=admin, county=world.county, content=FORM.encode(), filename="income.md"
    )
    survey = survey_services.create_survey(actor=admin, county=world.county, name="收入")
    survey_services.add_wave(
        actor=admin, survey=survey, label="2019", year=2019, questionnaire=questionnaire,
        collecting=True,
    )  # fmt: skip
    enumerator = world.users["enumerator"]
    survey_services.assign_villages(actor=admin, user=enumerator, villages=[h1.village, h3.village])
    for number, (ref, amount) in enumerate(
        [(h1.pk, "11000"), (h3.pk, "9000"), (h2.pk, "-99"), ("90001", "7000"), (h1.pk, "12000")]
    ):
        survey_services.receive_submission(
            county=world.county, enumerator=enumerator, xml=answer(number, ref, amount)
        )
    return world, (h1, h2, h3, h4)


def by_key(panel):
    return {b.key: b for b in subgroups.breakdowns(panel, 2019, chart_prefix="t")}


def test_the_panel_carries_surveyed_income_beside_recorded(subgroup_county):
    world, (h1, h2, h3, h4) = subgroup_county
    panel = income.income_panel(world.county, years=[2019])
    rows = {r.household_id: r for r in panel.rows}
    # The later answer for H1 wins; H2 refused (-99, a missing code); 90001 is no household.
    assert rows[h1.pk].surveyed == D("12000.00") and rows[h1.pk].surveyed_per_capita == D("6000.00")
    assert rows[h3.pk].surveyed_per_capita == D("3000.00")
    assert rows[h2.pk].surveyed is None and rows[h4.pk].surveyed is None
    assert rows[h1.pk].total == D("3300.00")  # never added to recorded income
    assert panel.surveyed_households(2019) == 2
    assert panel.surveyed_years == {2019} and panel.surveyed_unlinked == 1
    assert (rows[h1.pk].head_age, rows[h4.pk].head_age) == (29, None)


def test_registered_poor_against_others_by_hand(subgroup_county):
    world, _households = subgroup_county
    panel = income.income_panel(world.county, years=[2019])
    poverty = by_key(panel)[subgroups.POVERTY]
    recorded, platform, surveyed = poverty.comparisons
    poor, others = recorded.groups
    assert (poor.n, poor.mean) == (2, pytest.approx((1650 + 4900) / 2))
    assert (others.n, others.mean) == (2, pytest.approx((533.33 + 150) / 2))
    difference = recorded.differences[0]
    assert difference.estimate == pytest.approx(3275 - 341.665)
    reference = stats.ttest_ind([1650, 4900], [533.33, 150], equal_var=False)
    interval = reference.confidence_interval(0.95)
    assert (difference.low, difference.high) == (
        pytest.approx(interval.low), pytest.approx(interval.high))  # fmt: skip
    assert difference.distinguishable is False  # two households a side: a very wide interval
    assert platform.differences[0].estimate == pytest.approx((1650 + 4800) / 2 - 250)
    # Surveyed: one poor household (H1) and one other (H3) answered: too few for a difference.
    assert [g.n for g in surveyed.groups] == [1, 1]
    assert surveyed.differences[0].estimate is None
    with translation.override("en"):
        sentences = subgroups.breakdowns(panel, 2019, chart_prefix="t")[0].sentences
        rows = subgroups.breakdowns(panel, 2019, chart_prefix="t")[0].rows
    assert any(
        s.startswith("recorded income per person, registered poor minus others: ¥2,933.34")
        and "cannot be told apart from zero at 95%" in s
        for s in sentences
    )
    assert any("surveyed income per person" in s and "at least 2 households" in s
               for s in sentences)  # fmt: skip
    assert rows[0][:3] == ["registered poor", "2", "¥3,275.00"]
    assert rows[0][4] == "no mean: 1 household (at least 2 needed)"


def test_age_and_distance_bands_by_hand(subgroup_county):
    world, _households = subgroup_county
    panel = income.income_panel(world.county, years=[2019])
    found = by_key(panel)
    age = found[subgroups.AGE].comparisons[0]
    assert [g.n for g in age.groups] == [2, 1, 0]  # <40: H1, H2; 40-59: H3; 60+: none
    assert age.ungrouped == 1  # H4: no birth year
    assert all(d.estimate is None for d in age.differences)  # every pair has a group under 2
    with translation.override("en"):
        assert "1 household has no head's birth year" in by_key(panel)[subgroups.AGE].ungrouped
    distance = found[subgroups.DISTANCE].comparisons[0]
    assert [g.n for g in distance.groups] == [2, 0, 2]  # A (5 km): H1, H2; B (30 km): H3, H4
    near_far = distance.differences[1]
    assert (near_far.first, near_far.second) == ("<10km", ">=25km")
    assert near_far.estimate == pytest.approx(3275 - 341.665)
    chart = found[subgroups.DISTANCE].chart
    assert "<svg" in chart and 'aria-labelledby="t-distance_band"' in chart


def test_a_difference_told_apart_from_zero_is_said_so():
    clear = welch_difference([5000, 5100, 5200], [1000, 1100, 1050], names=("a", "b"))
    measure = subgroups.Measure("income_per_capita", "recorded income per person", "recorded")
    with translation.override("en"):
        sentence = subgroups.difference_sentence(measure, clear, {"a": "near", "b": "far"})
    assert "different from zero at 95%" in sentence and "near minus far: ¥4,050.00" in sentence
    assert not math.isnan(clear.low)


def test_csv_carries_surveyed_income_bands_and_birth_years_only_when_personal(
    subgroup_county, client
):
    world, (h1, *_rest) = subgroup_county
    client.force_login(world.users["analyst"])
    url = reverse("impact:income_csv", args=[world.county.slug])
    rows = list(csv.DictReader(io.StringIO(client.get(url).content.decode("utf-8-sig"))))
    mine = next(r for r in rows if r["household"] == str(h1.pk) and r["year"] == "2019")
    assert (mine["surveyed_income"], mine["surveyed_income_per_capita"]) == ("12000.00", "6000.00")
    assert mine["recorded_income"] == "3300.00"
    assert (mine["head_birth_year"], mine["head_age_band"]) == ("1990", "<40")
    assert (mine["village_distance_km"], mine["distance_band"]) == ("5.0", "<10km")
    hidden = client.get(url + "?pseudonymous=1").content.decode("utf-8-sig")
    pseudonymous = list(csv.DictReader(io.StringIO(hidden)))
    assert {r["head_birth_year"] for r in pseudonymous} == {""}
    assert "1990" not in hidden and {"<40", "40-59"} <= {r["head_age_band"] for r in pseudonymous}


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_page_shows_the_breakdowns(subgroup_county, client, language):
    world, _households = subgroup_county
    client.cookies["django_language"] = language
    client.force_login(world.users["county_admin"])
    response = client.get(reverse("impact:income", args=[world.county.slug]) + "?year=2019")
    page = response.content.decode()
    assert response.status_code == 200
    for key in ("registered_poor", "age_band", "distance_band"):
        assert f'id="breakdown-{key}"' in page
    assert "1990" in page and "¥12,000.00" in page  # staff see birth years and surveyed income
    if language == "en":
        assert "cannot be told apart from zero at 95%" in page
        assert "2 households have a surveyed income for 2019" in page
    else:
        assert "无法与零区分" in page


@pytest.mark.parametrize(
    "user", ["seller_staff", "buyer", "other_seller_staff", "station_operator"]
)
def test_other_roles_never_see_the_heads_birth_years(subgroup_county, client, user):
    world, _households = subgroup_county
    client.force_login(world.users[user])
    for name in ("impact:income", "impact:income_csv"):
        response = client.get(reverse(name, args=[world.county.slug]))
        assert response.status_code == 403
        assert "1990" not in response.content.decode()
    report = client.get(reverse("impact:report", args=[world.county.slug, 2019]))
    assert report.status_code == 403


def test_the_report_breaks_every_effect_down_and_counts_surveyed_households(subgroup_county):
    world, _households = subgroup_county
    with translation.override("en"):
        report = impact_report(world.county, 2019)
    section = next(s for s in report.sections if s.key == "income")
    titles = [t.title for t in section.tables]
    assert titles == [
        "By registered-poor status, 2019",
        "By age of the household head, 2019",
        "By the village's distance to the county seat, 2019",
    ]
    surveyed = next(f for f in section.figures if f.label == "Households with a surveyed income")
    assert surveyed.value == "2" and "never added" in surveyed.how
    assert any("cannot be told apart from zero at 95%" in s for s in section.sentences)
    assert len(section.bars) == 4 and section.bars[-1].categories == ["<10 km", "10-25 km",
                                                                      ">=25 km"]  # fmt: skip
    age_table = section.tables[1]
    assert "no head's birth year" in age_table.note
    text = str(section.tables) + " ".join(section.sentences)
    assert "1990" not in text and "1985" not in text  # bands only, never a birth year
