"""The study's household survey: its XLSForm questionnaire (two versions, 2020 and 2022, whose
income is priced in the year asked), a survey with two waves, an enumerator assigned to the
villages, and the answers of the panel households, posted as OpenRosa submissions.

Answers follow a plausible structure: services and training received (SV) drive e-commerce
participation (EC), which drives cross-border participation (CB); perceived improvement (IM)
follows EC and SV; family income is higher in the second wave, more so for active sellers."""

from __future__ import annotations

import math
import random
import uuid
from typing import Any

from django.contrib.auth import get_user_model

from countyhub.catalog.models import Household
from countyhub.catalog.services import register_household
from countyhub.core.audit import save_with_audit
from countyhub.core.models import County, Village
from countyhub.demo import data
from countyhub.surveys import services
from countyhub.surveys.instances import render_instance
from countyhub.surveys.models import Questionnaire, Wave
from countyhub.surveys.xlsform import export_xlsx

FORM_ID = "county_household_panel"
LIKERT = [
    ("1", "非常不同意", "Strongly disagree"),
    ("2", "不同意", "Disagree"),
    ("3", "一般", "Neutral"),
    ("4", "同意", "Agree"),
    ("5", "非常同意", "Strongly agree"),
    ("-99", "不知道/拒答", "Don't know / refused"),
]
# (construct, group label zh, en, [(name, zh, en, reverse)])
CONSTRUCTS = [
    (
        "EC",
        "电商参与",
        "E-commerce participation",
        [
            ("ec1", "我家通过网络销售农产品", "My family sells farm products online", False),
            ("ec2", "网络销售是我家重要的收入来源", "Online sales are an important income", False),
            ("ec3", "我经常使用电商平台或直播卖货", "I often use platforms or live streams", False),
        ],
    ),
    (
        "CB",
        "跨境电商参与",
        "Cross-border e-commerce participation",
        [
            ("cb1", "我家的产品通过跨境电商卖到国外", "Our products are sold abroad online", False),
            (
                "cb2",
                "我了解跨境电商的订单和物流",
                "I know cross-border orders and logistics",
                False,
            ),
            ("cb3", "我打算参与跨境电商", "I intend to take part in cross-border sales", False),
        ],
    ),
    (
        "SV",
        "服务与培训",
        "Services and training received",
        [
            (
                "sv1",
                "村服务站帮助我发货和收款",
                "The village station helps me ship and collect",
                False,
            ),
            (
                "sv2",
                "我参加的电商培训对我有用",
                "The e-commerce training I attended was useful",
                False,
            ),
            ("sv3", "我没有得到过任何电商服务", "I have received no e-commerce services", True),
        ],
    ),
    (
        "IM",
        "生活改善",
        "Perceived improvement",
        [
            ("im1", "电商让我家的收入增加了", "E-commerce raised my family's income", False),
            ("im2", "我家的生活比两年前好", "My family lives better than two years ago", False),
            ("im3", "我对家庭经济前景有信心", "I am confident about my family's prospects", False),
        ],
    ),
]
ATTENTION = ("attention", "本题请选择“同意”", "For this item please choose 'Agree'")
ATTENTION_ANSWER = "4"


def study_definition(version: str, money_year: int) -> dict[str, Any]:
    """The questionnaire's sheets, as an XLSForm author would write them."""
    columns = [
        "type",
        "name",
        "label::Chinese (zh)",
        "label::English (en)",
        "required",
        "countyhub::construct",
        "countyhub::reverse",
        "countyhub::missing",
        "countyhub::money",
        "countyhub::household",
        "countyhub::expected",
        "countyhub::income",
    ]

    def row(kind: str, name: str, zh: str = "", en: str = "", **ours: str) -> dict[str, str]:
        cells = {"type": kind, "name": name}
        if zh:
            cells |= {"label::Chinese (zh)": zh, "label::English (en)": en, "required": "yes"}
        return cells | {f"countyhub::{key}": value for key, value in ours.items()}

    rows = [
        row("start", "start"),
        row("end", "end"),
        row("integer", "household", "农户编号", "Household id", household="yes"),
    ]
    for construct, zh, en, items in CONSTRUCTS:
        rows.append(
            {
                "type": "begin_group",
                "name": construct.lower(),
                "label::Chinese (zh)": zh,
                "label::English (en)": en,
            }
        )
        for name, item_zh, item_en, reverse in items:
            rows.append(
                row(
                    "select_one likert",
                    name,
                    item_zh,
                    item_en,
                    construct=construct,
                    reverse="yes" if reverse else "no",
                    missing="-99",
                )
            )
        if construct == "SV":
            rows.append(
                row("select_one likert", *ATTENTION, missing="-99", expected=ATTENTION_ANSWER)
            )
        rows.append({"type": "end_group"})
    rows.append(
        row(
            "decimal",
            "family_income",
            f"{money_year}年家庭总收入（元）",
            f"Family income in {money_year} (yuan)",
            missing="-99",
            money=str(money_year),
            income="yes",  # the household income the income panel carries beside its own
        )
    )
    return {
        "survey": {"columns": columns, "rows": rows},
        "choices": {
            "columns": ["list_name", "name", "label::Chinese (zh)", "label::English (en)"],
            "rows": [
                {
                    "list_name": "likert",
                    "name": n,
                    "label::Chinese (zh)": zh,
                    "label::English (en)": en,
                }
                for n, zh, en in LIKERT
            ],
        },
        "settings": {
            "columns": ["form_id", "form_title", "version", "default_language"],
            "rows": [
                {
                    "form_id": FORM_ID,
                    "form_title": "农村电商农户调查",
                    "version": version,
                    "default_language": "Chinese (zh)",
                }
            ],
        },
    }


def _likert(rng: random.Random, latent: float, reverse: bool) -> str:
    if rng.random() < 0.02:
        return "-99"
    value = min(5, max(1, round(3 + 0.9 * latent + rng.gauss(0, 0.6))))
    return str(6 - value if reverse else value)


def _values(
    rng: random.Random,
    questionnaire: Questionnaire,
    household_id: str,
    person: dict[str, float],
    income: float,
    *,
    wave_index: int,
) -> dict[str, str]:
    paths = dict(questionnaire.questions.values_list("name", "path"))
    start_minute = rng.randint(0, 300)
    duration = rng.randint(14, 35) if rng.random() > 0.05 else rng.randint(3, 5)  # a few rushed
    year = questionnaire.questions.get(name="family_income").money_year or 2020
    day = f"{year + 1}-0{3 + wave_index}-1{rng.randint(0, 9)}"
    values = {
        paths["start"]: f"{day}T{8 + start_minute // 60:02d}:{start_minute % 60:02d}:00+08:00",
        paths["end"]: f"{day}T{8 + (start_minute + duration) // 60:02d}:"
        f"{(start_minute + duration) % 60:02d}:00+08:00",
        paths["household"]: household_id,
    }
    for construct, _zh, _en, items in CONSTRUCTS:
        for name, _izh, _ien, reverse in items:
            values[paths[name]] = _likert(rng, person[construct], reverse)
        if construct == "SV":
            values[paths["attention"]] = ATTENTION_ANSWER if rng.random() > 0.06 else "2"
    values[paths["family_income"]] = f"{income:.0f}"
    return values


def _people(rng: random.Random, households: list[Household]) -> dict[int, dict[str, float]]:
    people = {}
    for household in households:
        sv = rng.gauss(0.2, 1)
        ec = 0.55 * sv + rng.gauss(0, 0.8) - (0.3 if household.registered_poor else 0)
        cb = 0.5 * ec + rng.gauss(0, 0.85)
        im = 0.4 * ec + 0.3 * sv + rng.gauss(0, 0.75)
        income = rng.lognormvariate(math.log(9000 if household.registered_poor else 16000), 0.35)
        people[household.pk] = {"SV": sv, "EC": ec, "CB": cb, "IM": im, "income": income}
    return people


def _survey_households(villages: list[Village], admin: Any, rng: random.Random) -> list[Household]:
    """The demo's households and a further sample registered for the survey (72 in all)."""
    county = villages[0].county
    households = list(Household.objects.filter(county=county).order_by("pk"))
    for index in range(len(households), 72):
        head_name = rng.choice(data.SURNAMES) + rng.choice(data.GIVEN_NAMES)
        households.append(
            register_household(
                actor=admin,
                village=villages[index % len(villages)],
                head_name=head_name,
                phone=f"1390731{index:04d}",
                registered_poor=index % 4 == 0,
                poverty_exit_year=2019 if index % 4 == 0 else None,
                head_birth_year=data.head_birth_year(index),
            )
        )
    return households


def build_surveys_demo(county: County, admin: Any, rng: random.Random) -> str:
    """The questionnaire, the survey and its two waves, the enumerator's answers."""
    enumerator = get_user_model().objects.get(username="enumerator")
    villages = list(Village.objects.filter(county=county).order_by("pk"))
    services.assign_villages(actor=admin, user=enumerator, villages=villages)
    versions = []
    for version, year in (("2020030101", 2020), ("2022030101", 2022)):
        content = export_xlsx(study_definition(version, year))
        versions.append(
            services.import_questionnaire(
                actor=admin, county=county, content=content, filename=f"{FORM_ID}_{year}.xlsx"
            )
        )
    survey = services.create_survey(
        actor=admin,
        county=county,
        name="农村电商与农户收入调查",
        name_en="Rural e-commerce and household income survey",
    )
    households = _survey_households(villages, admin, rng)
    people = _people(rng, households)
    waves: list[Wave] = []
    for index, (questionnaire, label, year) in enumerate(
        zip(versions, ("第一轮 2020", "第二轮 2022"), (2020, 2022), strict=True)
    ):
        # Each wave collects while its answers come in; the first is closed after.
        wave = services.add_wave(
            actor=admin,
            survey=survey,
            label=label,
            year=year,
            questionnaire=questionnaire,
            collecting=True,
        )
        waves.append(wave)
        # Six households could not be found again in the second wave.
        sample = households if index == 0 else households[:66]
        for household in sample:
            person = people[household.pk]
            growth = 1.12 + 0.08 * person["EC"] + rng.gauss(0, 0.06)
            income = person["income"] * (1 if index == 0 else growth)
            if rng.random() < 0.02:
                income = -99  # refused: a declared missing code, never a number
            xml = render_instance(
                form_id=FORM_ID,
                version=questionnaire.version,
                values=_values(
                    rng, questionnaire, str(household.pk), person, income, wave_index=index
                ),
                instance_id=f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
            )
            services.receive_submission(county=county, enumerator=enumerator, xml=xml)
        if index == 1:
            # Two families interviewed before they were registered: kept, linkable later.
            for typed in ("90001", "90002"):
                person = {"SV": 0.0, "EC": 0.0, "CB": 0.0, "IM": 0.0}
                xml = render_instance(
                    form_id=FORM_ID,
                    version=questionnaire.version,
                    values=_values(rng, questionnaire, typed, person, 15000.0, wave_index=index),
                    instance_id=f"uuid:{uuid.UUID(int=rng.getrandbits(128), version=4)}",
                )
                services.receive_submission(county=county, enumerator=enumerator, xml=xml)
    first = waves[0]
    first.collecting = False
    save_with_audit(actor=admin, instance=first, county=county)
    answers = [wave.submissions.count() for wave in waves]
    return f"survey {survey.name_en}: waves of {answers[0]} and {answers[1]} answers"
