"""On a 390-px phone in Chinese: the county's analyst adds a Likert question with its construct
to a draft and publishes it; the pages fit the screen."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from countyhub.core.models import Role
from countyhub.surveys import services
from countyhub.surveys.models import Questionnaire
from tests.factories.core import CountyFactory, MembershipFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
}


@pytest.fixture
def draft(transactional_db):
    county = CountyFactory(name="青山县", name_en="Qingshan County", slug="qingshan")
    analyst = UserFactory(username="survey-analyst")
    MembershipFactory(user=analyst, county=county, role=Role.ANALYST)
    draft = services.create_draft(
        actor=analyst, county=county, form_id="web_form", title="电商问卷", title_en="E-commerce"
    )
    return services.add_section(
        actor=analyst, draft=draft, name="ec", label_zh="电商参与", label_en="E-commerce"
    )


def _fits_the_phone(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_likert_question_is_added_and_published_on_a_phone(
    live_server, browser, draft, screenshots
):
    context = browser.new_context(**PHONE, locale="zh-CN")
    page = context.new_page()
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", "survey-analyst")
    page.fill("input[name=password]", "pass-word-123")
    page.click("#login")
    page.goto(f"{live_server.url}/c/qingshan/surveys/drafts/{draft.pk}/")
    expect(page.locator("#outline")).to_contain_text("电商参与")
    assert _fits_the_phone(page)

    page.click("#add-question")
    expect(page.locator("h1")).to_have_text("添加题目")
    page.select_option("select[name=kind]", "likert")
    page.fill("input[name=name]", "ec1")
    page.fill("textarea[name=label_zh]", "我通过网络销售农产品")
    page.fill("textarea[name=label_en]", "I sell farm products online")
    page.select_option("select[name=section]", "ec")
    page.fill("input[name=construct]", "EC")
    assert _fits_the_phone(page)
    screenshots(page, "question-form")
    page.click("#save-question")
    expect(page.locator("#q-ec1")).to_contain_text("我通过网络销售农产品")
    expect(page.locator("#q-ec1")).to_contain_text("EC")
    assert _fits_the_phone(page)
    screenshots(page, "draft")

    page.click("#publish")
    expect(page).to_have_url(re.compile(r"/surveys/questionnaires/$"))
    expect(page.locator("#questionnaires")).to_contain_text("web_form")
    assert _fits_the_phone(page)
    screenshots(page, "published")
    question = Questionnaire.objects.get(form_id="web_form").questions.get()
    assert (question.name, question.construct, question.section) == ("ec1", "EC", "ec")
    assert (question.scale_min, question.scale_max, len(question.choices)) == (1, 5, 5)
    context.close()
