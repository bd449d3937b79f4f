"""Every write of the pages and of the API leaves an audit row. Each URL of the resolver is
classified: driven (posted with valid data, as its user would; the request must write, and
write an audit entry), allowed (writes without an audit entry by design, with the reason), or
reading (a POST to it must write nothing). A new URL fails here until it is classified."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from PIL import Image

from countyhub.aftersales.models import AfterSaleRequest
from countyhub.analyses import services as analyses_services
from countyhub.analyses.models import AnalysisRun, CPISeries
from countyhub.core import jobs
from countyhub.core.email_verification import verification_tokens
from countyhub.core.models import Job
from countyhub.core.services import issue_api_token, sign_up
from countyhub.programs.models import PayoutRun
from countyhub.shop.models import Order, ShippingRate, StationDay
from countyhub.surveys import services as surveys_services
from countyhub.surveys.models import Questionnaire, QuestionnaireDraft, Wave
from countyhub.trace.models import Container, ContainerLevel
from tests.core.audit_walk import assert_audited, tables_written
from tests.core.conftest import Site
from tests.surveys.conftest import form_bytes


def named_urls() -> dict[str, URLPattern]:
    """Every named URL outside the admin (walked by test_audited_admin), by qualified name."""
    found: dict[str, URLPattern] = {}

    def walk(patterns: list[Any], namespace: str | None) -> None:
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if str(pattern.pattern).startswith("admin/"):
                    continue
                walk(pattern.url_patterns, pattern.namespace or namespace)
            elif pattern.name:
                found[f"{namespace}:{pattern.name}" if namespace else pattern.name] = pattern

    walk(get_resolver().url_patterns, None)
    return found


@dataclass
class Post:
    """One POST of a driven URL: who posts, where, what; `writes` is False for a step that only
    prepares the next (a cart in the session)."""

    user: str | None
    url: Callable[[Site], str]
    data: Callable[[Site], dict[str, Any]] = lambda site: {}
    writes: bool = True
    json: bool = False
    method: str = "post"
    # A page answers a valid POST with a redirect (200 or 400 would re-show a refused form).
    status: tuple[int, ...] = (302,)


def _county(site: Site) -> str:
    return site.world.county.slug


def _programs(site: Site, path: str) -> str:
    return f"/c/{_county(site)}/programs/{path}"


def _training(site: Site, path: str) -> str:
    return f"/c/{_county(site)}/training/{path}"


def _evidence() -> io.BytesIO:
    upload = io.BytesIO(b"%PDF-1.4 invoice")
    upload.name = "invoice.pdf"
    return upload


def _order_file(site: Site) -> io.BytesIO:
    """A Taobao order export with one order of the seller's product."""
    upload = io.BytesIO(
        f"订单编号,商家编码,购买数量\r\n99001,{site.world.product.pk},1\r\n".encode("gbk")
    )
    upload.name = "ExportOrderList.csv"
    return upload


def _latest_run(site: Site) -> int:
    # The payouts page queues the evaluation; run it here, as the worker would.
    for job in Job.objects.filter(kind="programs.payout_run", status="queued"):
        jobs.execute(job.pk, heartbeat=False)
    return PayoutRun.objects.filter(county=site.world.county).latest("pk").pk


def _now() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


def _latest_case(site: Site) -> int:
    return Container.objects.filter(level=ContainerLevel.CASE).latest("pk").pk


CLOSE_A_DAY = Post(
    "station_operator",
    lambda site: reverse("shop:station_day", args=[site.world.station.pk]),
    lambda site: {"day": timezone.localdate().isoformat(), "cash_counted": "0"},
)

PACK_A_CASE = Post(
    "seller_staff",
    lambda site: reverse("trace:pack_case") + f"?batch={site.batch.pk}",
    lambda site: {"event_time": _now(), "quantity": "1"},
)


def _latest(site: Site) -> Order:
    return Order.objects.filter(station=site.world.station).latest("pk")


def _desk(site: Site, name: str) -> str:
    return reverse(name, args=[_latest(site).number])


# A cash-on-delivery parcel to the station, shipped by its seller: what the desk works on.
TO_THE_STATION = [
    Post(
        "buyer",
        lambda site: reverse("shop:cart_add", args=[_county(site), site.world.product.pk]),
        lambda site: {"quantity": "1"},
        writes=False,
    ),
    Post(
        "buyer",
        lambda site: reverse("shop:checkout", args=[_county(site)]),
        lambda site: {
            "delivery_method": "station",
            "station": str(site.world.station.pk),
            "recipient_name": "王芳",
            "phone": "13800000000",
            "payment_method": "cash_on_delivery",
            "idempotency_key": "walk-desk",
        },
    ),
    Post(
        "seller_staff",
        lambda site: reverse("shop:order_action", args=[_latest(site).number, "ship"]),
        lambda site: {"carrier": "邮政", "tracking_number": "YZ1"},
    ),
]


def _survey_csv() -> bytes:
    rows = ["household,a_1,a_2,b_1,b_2,income_2020,income_2022"]
    for i in range(30):
        a, b = 1 + i % 5, 1 + (i * 3) % 5
        rows.append(
            f"H{i},{a},{1 + (a + i % 2) % 5},{b},{1 + (b + i % 3) % 5},{3000 + 97 * i},{3500 + 89 * i}"
        )
    return ("\n".join(rows) + "\n").encode()


def _customs_receipt(site: Site) -> SimpleUploadedFile:
    """A GACC export-list receipt (CEB604): the export order released."""
    ns = "http://www.chinaport.gov.cn/ceb"
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><ceb:CEB604Message xmlns:ceb="{ns}" '
        'guid="A2C4E6F8-0000-4000-8000-000000000001" version="1.0"><ceb:InventoryReturn>'
        "<ceb:guid>A2C4E6F8-0000-4000-8000-000000000002</ceb:guid>"
        "<ceb:agentCode>3307980123</ceb:agentCode>"
        f"<ceb:copNo>{site.export.cop_no}</ceb:copNo><ceb:preNo>B20261207000000001</ceb:preNo>"
        "<ceb:invtNo>86012026E000000001</ceb:invtNo>"
        f"<ceb:ebcCode>{site.export.ecommerce.code}</ceb:ebcCode>"
        f"<ceb:ebpCode>{site.export.platform.code}</ceb:ebpCode>"
        f"<ceb:orderNo>{site.export.external_order_no}</ceb:orderNo>"
        "<ceb:statisticsFlag>B</ceb:statisticsFlag><ceb:returnStatus>800</ceb:returnStatus>"
        "<ceb:returnTime>20261208101500123</ceb:returnTime><ceb:returnInfo>放行</ceb:returnInfo>"
        "</ceb:InventoryReturn></ceb:CEB604Message>"
    )
    return SimpleUploadedFile("receipt.xml", xml.encode(), content_type="application/xml")


def _survey_upload() -> dict[str, Any]:
    upload = io.BytesIO(_survey_csv())
    upload.name = "survey.csv"
    return {
        "name": "调查",
        "file": upload,
        "scale_min": "1",
        "scale_max": "5",
        "missing_codes": "-99",
    }


def _analysis(site: Site) -> AnalysisRun:
    """A dataset and a (queued) PLS-SEM run on it, made once per site."""
    found = AnalysisRun.objects.filter(county=site.world.county).first()
    if found is not None:
        return found
    analyst = site.world.users["analyst"]
    dataset = analyses_services.upload_dataset(
        county=site.world.county,
        actor=analyst,
        upload=analyses_services.DatasetInput(
            "调查", "survey.csv", _survey_csv(), "", [], (1, 5), ["-99"], ""
        ),
    )
    return analyses_services.start_run(
        county=site.world.county,
        actor=analyst,
        dataset=dataset,
        kind="pls_sem",
        model_syntax=SURVEY_MODEL,
        options={"weighting": "path", "missing": "listwise", "resamples": 100},
        seed=1,
    )


SURVEY_MODEL = "A =~ a_1 + a_2\nB =~ b_1 + b_2\nB ~ A\n"


def _cpi_series(site: Site) -> CPISeries:
    """A county CPI table, made once per site."""
    found = CPISeries.objects.filter(county=site.world.county).first()
    if found is not None:
        return found
    return analyses_services.save_cpi_series(
        county=site.world.county,
        actor=site.world.users["analyst"],
        entry=analyses_services.CPIInput("基准CPI", "levels", "", "年鉴", "2019: 100\n2020: 101"),
    )


def _analyses(site: Site, path: str) -> str:
    return f"/c/{_county(site)}/analyses/{path}"


def _import_file(site: Site) -> io.BytesIO:
    upload = io.BytesIO(f"id,price,stock\n{site.world.product.pk},31.50,9\n".encode())
    upload.name = "prices.csv"
    return upload


def _picture() -> io.BytesIO:
    upload = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(upload, "PNG")
    upload.seek(0)
    upload.name = "apples.png"
    return upload


def _rate_form(site: Site) -> dict[str, str]:
    return {
        "seller": str(site.world.seller.pk),
        "delivery_method": "home",
        "region_code": "52",
        "first_weight": "1",
        "first_fee": "8.00",
        "additional_fee": "3.00",
    }


def _latest_rate() -> int:
    return ShippingRate.objects.latest("pk").pk


ADD_A_SHIPPING_RATE = Post("seller_staff", lambda site: reverse("shop:shipping_rates"), _rate_form)


def _aftersale_request(site: Site) -> dict[str, Any]:
    line = site.paid_order.lines.get()
    return {
        "kind": "return_and_refund",
        "goods_received": "yes",
        "reason": "damaged",
        f"line_{line.pk}": "1",
        "photos": [SimpleUploadedFile("broken.png", _png(), content_type="image/png")],
    }


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 40, 40)).save(buffer, format="PNG")
    return buffer.getvalue()


def _aftersale_action(action: str) -> Callable[[Site], str]:
    return lambda site: reverse(
        "aftersales:action", args=[AfterSaleRequest.objects.latest("pk").pk, action]
    )


ASK_FOR_A_REFUND = Post(
    "buyer",
    lambda site: reverse("aftersales:new", args=[site.paid_order.number]),
    _aftersale_request,
)


def _api_request(site: Site) -> dict[str, Any]:
    line = site.paid_order.lines.get()
    return {
        "order_id": site.paid_order.pk,
        "kind": "refund_only",
        "goods_received": True,
        "reason": "damaged",
        "lines": [{"order_line_id": line.pk, "quantity": "1"}],
    }


API_ASK_FOR_A_REFUND = Post(
    "buyer", lambda site: "/api/aftersales", _api_request, json=True, status=(201,)
)


def _yearbook_file() -> io.BytesIO:
    upload = io.BytesIO(
        "year,indicator,value,unit,source\n2023,retail_sales,50,100m_yuan,公报\n".encode()
    )
    upload.name = "figures.csv"
    return upload


def _price_file(site: Site) -> io.BytesIO:
    category = site.world.product.category.slug
    upload = io.BytesIO(
        f"year,category,unit,price,place,source\n2025,{category},kg,6.20,县城超市,价格监测\n".encode()
    )
    upload.name = "prices.csv"
    return upload


def _surveys(site: Site, path: str) -> str:
    return f"/c/{_county(site)}/surveys/{path}"


def _walk_draft(site: Site, path: str) -> str:
    return _surveys(site, f"drafts/{QuestionnaireDraft.objects.get(form_id='walk_form').pk}/{path}")


def _walk_question(name: str) -> dict[str, str]:
    return {
        "kind": "likert",
        "name": name,
        "label_zh": "我在网上卖农产品",
        "required": "on",
        "construct": "EC",
        "scale_min": "1",
        "scale_max": "3",
        "choices": "1 | 不同意\n2 | 一般\n3 | 同意",
    }


def _imported_form(site: Site) -> str:
    """Imports the test household form (audited, questionnaire.imported) and names a page that
    answers a POST with 405: the step that prepares questionnaire_edit."""
    surveys_services.import_questionnaire(
        actor=site.world.users["analyst"],
        county=site.world.county,
        content=form_bytes(),
        filename="household.md",
    )
    return _surveys(site, "questionnaires/")


def _collecting_wave(site: Site) -> str:
    """Imports the test household form and adds a survey with a wave of it (all audited), and
    names a page that answers a POST with 405: the step that prepares wave_export (the walk
    names a step's URL twice, so the wave is added once)."""
    analyst = site.world.users["analyst"]
    if Wave.objects.filter(survey__county=site.world.county).exists():
        return _surveys(site, "questionnaires/")
    questionnaire = surveys_services.import_questionnaire(
        actor=analyst, county=site.world.county, content=form_bytes(), filename="household.md"
    )
    survey = surveys_services.create_survey(actor=analyst, county=site.world.county, name="调查")
    surveys_services.add_wave(
        actor=analyst, survey=survey, label="2022", year=2022, questionnaire=questionnaire
    )
    return _surveys(site, "questionnaires/")


NEW_DRAFT = Post(
    "analyst",
    lambda site: _surveys(site, "questionnaires/new"),
    lambda site: {"form_id": "walk_form", "title": "网上问卷", "title_en": "Web form"},
)
ADD_QUESTIONS = [
    Post("analyst", lambda site: _walk_draft(site, "question"), lambda site, n=n: _walk_question(n))
    for n in ("ec1", "ec2")
]


DRIVEN: dict[str, list[Post]] = {
    "impact:figures": [
        Post(
            "county_admin",
            lambda site: reverse("impact:figures", args=[_county(site)]),
            lambda site: {
                "year": "2023",
                "indicator": "gdp_production",
                "value": "120.5",
                "unit": "100m_yuan",
                "source": "统计公报",
            },
        )
    ],
    "impact:import": [
        Post(
            "county_admin",
            lambda site: reverse("impact:import", args=[_county(site)]),
            lambda site: {"file": _yearbook_file()},
        )
    ],
    "impact:living_costs": [
        Post(
            "county_admin",
            lambda site: reverse("impact:living_costs", args=[_county(site)]),
            lambda site: {
                "year": "2025",
                "category": str(site.world.product.category_id),
                "unit": "kg",
                "price": "6.20",
                "place": "县城农贸市场",
                "source": "价格监测",
            },
        )
    ],
    "impact:report_pdf": [
        Post("county_admin", lambda site: reverse("impact:report_pdf", args=[_county(site), 2025]))
    ],
    "impact:living_costs_import": [
        Post(
            "county_admin",
            lambda site: reverse("impact:living_costs_import", args=[_county(site)]),
            lambda site: {"file": _price_file(site)},
        )
    ],
    "aftersales:new": [ASK_FOR_A_REFUND],
    "api:create_aftersale": [API_ASK_FOR_A_REFUND],
    "api:aftersale_step": [
        API_ASK_FOR_A_REFUND,
        Post(
            "seller_staff",
            lambda site: f"/api/aftersales/{AfterSaleRequest.objects.latest('pk').pk}/agree",
            json=True,
            status=(200,),
        ),
    ],
    "aftersales:action": [
        ASK_FOR_A_REFUND,
        Post("seller_staff", _aftersale_action("ask-return"), lambda site: {"address": "仓库"}),
        Post(
            "buyer",
            _aftersale_action("ship-return"),
            lambda site: {"carrier": "中通", "tracking_number": "ZT1"},
        ),
        Post("seller_staff", _aftersale_action("receive-return")),
        Post("county_admin", _aftersale_action("pay-refund"), lambda site: {"reference": "B1"}),
    ],
    "retry_job": [
        Post(
            "analyst",
            lambda site: reverse(
                "retry_job",
                args=[
                    Job.objects.create(
                        kind="analyses.run",
                        status="failed",
                        error="Unexpected error: OperationalError",
                        created_by=site.world.users["analyst"],
                        county=site.world.county,
                    ).pk
                ],
            ),
        )
    ],
    "cancel_job": [
        Post(
            "analyst",
            lambda site: reverse(
                "cancel_job",
                args=[
                    Job.objects.create(
                        kind="analyses.run",
                        created_by=site.world.users["analyst"],
                        county=site.world.county,
                    ).pk
                ],
            ),
        )
    ],
    "notifications:preferences": [
        Post(
            "buyer",
            lambda site: reverse("notifications:preferences"),
            lambda site: {"language": "en", "phone": "13800000009", "order_placed__email": "on"},
        )
    ],
    "signup": [
        Post(
            None,
            lambda site: reverse("signup"),
            lambda site: {
                "username": "new-buyer",
                "email": "new-buyer@example.invalid",
                "password1": "a-long-pass-word-42",
                "password2": "a-long-pass-word-42",
            },
            status=(200,),  # "check your e-mail"
        )
    ],
    "verify_email": [
        Post(None, lambda site: _verification_path(site), method="get", status=(302,)),
    ],
    "api:revoke_token": [
        Post("buyer", lambda site: "/api/auth/token", json=True, method="delete", status=(204,)),
    ],
    "catalog:import_products": [
        Post(
            "seller_staff",
            lambda site: reverse("catalog:import_products", args=[_county(site)]),
            lambda site: {"file": _import_file(site)},  # to the import job's page
        )
    ],
    "catalog:product_pictures": [
        Post(
            "seller_staff",
            lambda site: reverse(
                "catalog:product_pictures", args=[_county(site), site.world.product.pk]
            ),
            lambda site: {"action": "add", "image": _picture(), "alt_text": "一箱苹果"},
        ),
        Post(
            "seller_staff",
            lambda site: reverse(
                "catalog:product_pictures", args=[_county(site), site.world.product.pk]
            ),
            lambda site: {"action": "remove", "picture": site.world.product.images.get().pk},
        ),
    ],
    "catalog:station_households": [
        Post(
            "station_operator",
            lambda site: reverse("catalog:station_households"),
            lambda site: {
                "village": site.world.station.village.pk,
                "head_name": "王大山",
                "phone": "13800001234",
                "member-TOTAL_FORMS": "1",
                "member-INITIAL_FORMS": "0",
                "member-0-name": "李红",
                "member-0-relation": "妻子",
            },
        )
    ],
    "shop:checkout": [
        Post(
            "buyer",
            lambda site: reverse("shop:cart_add", args=[_county(site), site.world.product.pk]),
            lambda site: {"quantity": "1"},
            writes=False,
        ),
        Post(
            "buyer",
            lambda site: reverse("shop:checkout", args=[_county(site)]),
            lambda site: {
                "delivery_method": "home",
                "recipient_name": "王芳",
                "phone": "13800000000",
                "address": "北京市朝阳区建国路 1 号",
                "payment_method": "cash_on_delivery",
                "remember": "on",
                "idempotency_key": "walk-1",
            },
        ),
    ],
    "shop:shipping_rates": [ADD_A_SHIPPING_RATE],
    "shop:shipping_rate_edit": [
        ADD_A_SHIPPING_RATE,
        Post(
            "seller_staff",
            lambda site: reverse("shop:shipping_rate_edit", args=[_latest_rate()]),
            lambda site: {**_rate_form(site), "first_fee": "9.00"},
        ),
    ],
    "shop:shipping_rate_delete": [
        ADD_A_SHIPPING_RATE,
        Post(
            "seller_staff",
            lambda site: reverse("shop:shipping_rate_delete", args=[_latest_rate()]),
        ),
    ],
    "shop:order_action": [
        Post(
            "buyer",
            lambda site: reverse("shop:order_action", args=[site.order.number, "cancel"]),
        )
    ],
    "shop:station_receive": [
        *TO_THE_STATION,
        Post("station_operator", lambda site: _desk(site, "shop:station_receive")),
    ],
    "shop:station_hand_over": [
        *TO_THE_STATION,
        Post("station_operator", lambda site: _desk(site, "shop:station_receive")),
        Post(
            "station_operator",
            lambda site: _desk(site, "shop:station_hand_over"),
            lambda site: {"code": _latest(site).pickup_code, "cash_collected": "25.00"},
        ),
    ],
    "shop:station_return": [
        *TO_THE_STATION,
        Post("station_operator", lambda site: _desk(site, "shop:station_receive")),
        Post(
            "station_operator",
            lambda site: _desk(site, "shop:station_return"),
            lambda site: {"reason": "七天无人领取"},
        ),
    ],
    "shop:station_day": [CLOSE_A_DAY],
    "shop:sales_report_csv": [
        Post("seller_staff", lambda site: reverse("shop:sales_report_csv"), lambda site: {})
    ],
    "shop:station_day_sheet_pdf": [
        CLOSE_A_DAY,
        Post(
            "station_operator",
            lambda site: reverse(
                "shop:station_day_sheet_pdf",
                args=[StationDay.objects.filter(station=site.world.station).latest("pk").pk],
            ),
        ),
    ],
    "programs:budget": [
        Post(
            "county_admin",
            lambda site: _programs(site, "budget/"),
            lambda site: {
                "action": "program",
                "name": "县级电商发展专项",
                "level": "county",
                "designation_year": "2024",
                "central_funds": "0",
                "local_matching": "500000",
            },
        ),
        Post(
            "county_admin",
            lambda site: _programs(site, "budget/"),
            lambda site: {
                "action": "line",
                "program": site.rule.budget_line.program_id,
                "name": "物流补贴",
                "kind": "current",
                "amount": "20000",
            },
        ),
        Post(
            "county_admin",
            lambda site: _programs(site, "budget/"),
            lambda site: {
                "action": "spending",
                "budget_line": site.rule.budget_line_id,
                "date": "2025-03-01",
                "payee": "县物流公司",
                "amount": "100",
                "evidence": _evidence(),
            },
        ),
    ],
    "programs:targets": [
        Post(
            "county_admin",
            lambda site: _programs(site, "targets/"),
            lambda site: {"year": "2025", "online_sales": "2000000"},
        )
    ],
    "programs:decide_spending": [
        Post(
            "county_admin",
            lambda site: _programs(site, f"spending/{site.spending.pk}/decide/"),
            lambda site: {"decision": "approve"},
        )
    ],
    "programs:tasks": [
        Post(
            "county_admin",
            lambda site: _programs(site, "tasks/"),
            lambda site: {
                "program": site.rule.budget_line.program_id,
                "title": "培训 100 名农村电商带头人",
                "department": "人社局",
                "owner": site.admin.pk,
                "deadline": "2025-12-31",
            },
        )
    ],
    "programs:task": [
        Post(
            "county_admin",
            lambda site: _programs(site, f"tasks/{site.task.pk}/"),
            lambda site: {"text": "已选址", "status": "in_progress"},
        )
    ],
    "programs:stations": [
        Post(
            "county_admin",
            lambda site: _programs(site, "stations/"),
            lambda site: {
                "village": site.other_station.village_id,
                "operator_name": "李站长",
                "address": "村委会一楼",
                "opening_hours": "08:00-18:00",
                "services": ["parcels"],
                "latitude": "26.5",
                "longitude": "106.7",
                "active": "on",
            },
        )
    ],
    "programs:rules": [
        Post(
            "county_admin",
            lambda site: _programs(site, "rules/"),
            lambda site: {
                "name": "培训补贴",
                "kind": "training_stipend",
                "budget_line": site.rule.budget_line_id,
                "valid_from": "2025-01-01",
                "amount": "200",
                "active": "on",
            },
        )
    ],
    "programs:rule": [
        Post(
            "county_admin",
            lambda site: _programs(site, f"rules/{site.rule.pk}/"),
            lambda site: {
                "name": "物流补贴（续）",
                "kind": site.rule.kind,
                "budget_line": site.rule.budget_line_id,
                "valid_from": "2025-01-01",
                "valid_until": "2025-12-31",
                "amount": "2.50",
                "active": "on",
            },
        )
    ],
    "programs:payouts": [
        Post(
            "county_admin",
            lambda site: _programs(site, "payouts/"),
            lambda site: {"period": "2025-02"},
        )
    ],
    "programs:approve_run": [
        Post(
            "county_admin",
            lambda site: _programs(site, "payouts/"),
            lambda site: {"period": "2025-02"},
        ),
        Post("second_admin", lambda site: _programs(site, f"payouts/{_latest_run(site)}/approve/")),
    ],
    "crossborder:trade_data": [
        Post(
            "seller_staff",
            lambda site: (
                f"/c/{site.world.county.slug}/exports/products/{site.world.product.pk}/trade-data/"
            ),
            lambda site: {
                "hs_code": "0902.1090.00",
                "declared_name_zh": "绿茶",
                "declared_name_en": "Green tea",
                "gmodel": "0|0|绿茶|250克|无品牌",
                "customs_unit": "035",
                "net_weight": "0.25",
                "gross_weight": "0.3",
                "length_cm": "10",
                "width_cm": "10",
                "height_cm": "10",
                "producer_code": "93330782MA2E12340R",
            },
        )
    ],
    "crossborder:export": [
        Post(
            "seller_staff",
            lambda site: f"/c/{site.world.county.slug}/exports/{site.export.pk}/",
            lambda site: {"code": "2", "at": "2026-12-07 10:00", "info": "申报中"},
        )
    ],
    "crossborder:receipts": [
        Post(
            "county_admin",
            lambda site: f"/c/{site.world.county.slug}/exports/receipts/",
            lambda site: {"file": _customs_receipt(site)},
        )
    ],
    "analyses:index": [
        Post("analyst", lambda site: _analyses(site, ""), lambda site: _survey_upload())
    ],
    "analyses:pls_setup": [
        Post(
            "analyst",
            lambda site: _analyses(site, f"datasets/{_analysis(site).dataset_id}/pls-sem/"),
            lambda site: {
                "model_syntax": SURVEY_MODEL,
                "weighting": "path",
                "missing": "listwise",
                "resamples": "100",
                "p_min": "0.2",
            },
        )
    ],
    "analyses:before_after_setup": [
        Post(
            "county_admin",
            lambda site: _analyses(site, f"datasets/{_analysis(site).dataset_id}/before-after/"),
            lambda site: {
                "id_column": "household",
                "pairs": "income=income_2020:income_2022",
                "poverty_line": "official",
            },
        )
    ],
    "analyses:run_cancel": [
        Post("analyst", lambda site: _analyses(site, f"runs/{_analysis(site).pk}/cancel/"))
    ],
    "analyses:run_repeat": [
        Post("analyst", lambda site: _analyses(site, f"runs/{_analysis(site).pk}/repeat/"))
    ],
    "surveys:draft_new": [NEW_DRAFT],
    "surveys:draft_section": [
        NEW_DRAFT,
        Post(
            "analyst",
            lambda site: _walk_draft(site, "section"),
            lambda site: {"name": "ec", "label_zh": "电商", "label_en": "E-commerce"},
        ),
    ],
    "surveys:draft_question": [NEW_DRAFT, *ADD_QUESTIONS],
    "surveys:draft_title": [
        NEW_DRAFT,
        Post(
            "analyst",
            lambda site: _walk_draft(site, "title"),
            lambda site: {"title": "网上问卷（新）", "title_en": "Web form, new"},
        ),
    ],
    "surveys:draft_move": [
        NEW_DRAFT,
        *ADD_QUESTIONS,
        Post(
            "analyst",
            lambda site: _walk_draft(site, "move"),
            lambda site: {"name": "ec2", "step": "up"},
        ),
    ],
    "surveys:draft_delete": [
        NEW_DRAFT,
        *ADD_QUESTIONS,
        Post("analyst", lambda site: _walk_draft(site, "delete"), lambda site: {"name": "ec1"}),
    ],
    "surveys:draft_publish": [
        NEW_DRAFT,
        *ADD_QUESTIONS,
        Post("county_admin", lambda site: _walk_draft(site, "publish")),
    ],
    "surveys:questionnaire_edit": [
        Post("analyst", _imported_form, status=(405,)),
        Post(
            "analyst",
            lambda site: _surveys(
                site, f"questionnaires/{Questionnaire.objects.get(form_id='hh_test').pk}/edit"
            ),
        ),
    ],
    "surveys:wave_export": [
        Post("analyst", _collecting_wave, status=(405,)),
        Post(
            "analyst",
            lambda site: reverse(
                "surveys:wave_export",
                args=[_county(site), Wave.objects.get(survey__county=site.world.county).pk, "csv"],
            ),
            lambda site: {"ids": "household"},
        ),
    ],
    "analyses:cpi_list": [
        Post(
            "analyst",
            lambda site: _analyses(site, "cpi/"),
            lambda site: {
                "name": "县CPI",
                "definition": "levels",
                "base": "2015 = 100",
                "source": "县统计年鉴",
                "values": "2019: 100\n2020: 102.5",
            },
        )
    ],
    "analyses:cpi": [
        Post(
            "county_admin",
            lambda site: _analyses(site, f"cpi/{_cpi_series(site).pk}/"),
            lambda site: {
                "name": "县CPI 2",
                "definition": "previous_year_100",
                "source": "县统计年鉴",
                "values": "2019: 101\n2020: 102.5",
            },
        )
    ],
    "training:courses": [
        Post(
            "trainer",
            lambda site: _training(site, ""),
            lambda site: {"title": "直播带货", "syllabus": "选品、话术", "hours": "8"},
        )
    ],
    "training:course": [
        Post(
            "county_admin",
            lambda site: _training(site, f"courses/{site.session.course_id}/"),
            lambda site: {
                "date": "2025-05-10",
                "place": "县电商中心",
                "trainer": site.world.users["trainer"].pk,
                "capacity": "30",
            },
        )
    ],
    "training:session": [
        Post(
            "trainer",
            lambda site: _training(site, f"sessions/{site.session.pk}/"),
            lambda site: {
                "username": site.world.users["other_seller_staff"].username,
                "full_name": "李娜",
            },
        )
    ],
    "training:attendance": [
        Post(
            "trainer",
            lambda site: _training(site, f"sessions/{site.session.pk}/attendance/"),
            lambda site: {"present": [site.enrollment.pk]},
        )
    ],
    "training:cancel": [
        Post("trainer", lambda site: _training(site, f"enrollments/{site.enrollment.pk}/cancel/"))
    ],
    "trace:batch_create": [
        Post(
            "seller_staff",
            lambda site: reverse("trace:batch_create"),
            lambda site: {
                "product": site.world.product.pk,
                "lot": "L2026-09",
                "quantity": "50",
                "plot": "桃花村5号地",
                "expiry_date": "2027-06-30",
                "latitude": "26.6472",
                "longitude": "106.6302",
            },
        )
    ],
    "trace:pack_case": [PACK_A_CASE],
    "trace:label_sheet": [
        Post(
            "seller_staff",
            lambda site: reverse("trace:label_sheet", args=[site.batch.pk]),
            lambda site: {"rows": "7", "columns": "3", "count": "21"},
        )
    ],
    "trace:export_range": [
        Post(
            "seller_staff",
            lambda site: reverse("trace:export_range"),
            lambda site: {"since": "2025-01-01", "until": ""},
        )
    ],
    "trace:container_label_sheet": [
        PACK_A_CASE,
        Post(
            "seller_staff",
            lambda site: reverse("trace:container_label_sheet", args=[_latest_case(site)]),
            lambda site: {"rows": "2", "columns": "1", "count": "2"},
        ),
    ],
    "trace:pack_pallet": [
        PACK_A_CASE,
        Post(
            "seller_staff",
            lambda site: reverse("trace:pack_pallet"),
            lambda site: {"event_time": _now(), "cases": [_latest_case(site)]},
        ),
    ],
    "trace:container": [
        PACK_A_CASE,
        Post(
            "seller_staff",
            lambda site: reverse("trace:container", args=[_latest_case(site)]),
            lambda site: {"event_time": _now()},
        ),
    ],
    "shop:seller_product": [
        Post(
            "seller_staff",
            lambda site: reverse("shop:seller_product", args=[site.world.product.pk]),
            lambda site: {"price": "30.00", "stock": "12"},
        )
    ],
    "api:patch_product": [
        Post(
            "seller_staff",
            lambda site: f"/api/products/{site.world.product.pk}",
            lambda site: {"price": "30.00", "stock": "12"},
            json=True,
            method="patch",
            status=(200,),
        )
    ],
    "api:approve": [
        Post(
            "county_admin",
            lambda site: f"/api/programs/counties/{_county(site)}/payout-runs",
            lambda site: {"period": "2025-02"},
            json=True,
            status=(201,),
        ),
        Post(
            "second_admin",
            lambda site: (
                f"/api/programs/counties/{_county(site)}/payout-runs/{_latest_run(site)}/approve"
            ),
            json=True,
            status=(200,),
        ),
    ],
    "api:create_token": [
        Post(
            None,
            lambda site: "/api/auth/token",
            lambda site: {"username": "buyer-user", "password": "pass-word-123"},
            json=True,
            status=(200, 201),
        )
    ],
    "api:create_order": [
        Post(
            "buyer",
            lambda site: "/api/orders",
            lambda site: {
                "idempotency_key": "walk-api-1",
                "lines": [{"product_id": site.world.product.pk, "quantity": "1"}],
                "delivery": {
                    "method": "home",
                    "recipient_name": "王芳",
                    "phone": "13800000000",
                    "address": "北京市朝阳区建国路 1 号",
                },
                "payment_method": "cash_on_delivery",
            },
            json=True,
            status=(200, 201),
        )
    ],
    "api:import_orders": [
        Post(
            "seller_staff",
            lambda site: "/api/channels/taobao/orders",
            lambda site: {
                "orders": [
                    {
                        "external_id": "3712456789012345678",
                        "lines": [{"product_id": site.world.product.pk, "quantity": "1"}],
                    }
                ]
            },
            json=True,
            status=(200,),
        )
    ],
    "channels:channel": [
        Post(
            "seller_staff",
            lambda site: f"/c/{_county(site)}/channels/taobao/",
            lambda site: {"file": _order_file(site)},  # to the import job's page
        )
    ],
    "channels:listing_edit": [
        Post(
            "seller_staff",
            lambda site: f"/c/{_county(site)}/channels/taobao/listings/{site.world.product.pk}/",
            lambda site: {"price": "12.50", "status": "listed", "stock_buffer": "1"},
        )
    ],
    "channels:stock": [
        Post(
            "seller_staff", lambda site: f"/c/{_county(site)}/channels/taobao/stock/", status=(200,)
        )
    ],
    "channels:stock_push": [
        # The URL set, the secret made and shown (200), a new secret, then a push queued.
        Post(
            "county_admin",
            lambda site: f"/c/{_county(site)}/channels/taobao/stock-push/",
            lambda site: {"action": "save", "url": "https://erp.example.cn/push"},
            status=(200,),
        ),
        Post(
            "county_admin",
            lambda site: f"/c/{_county(site)}/channels/taobao/stock-push/",
            lambda site: {"action": "secret"},
            status=(200,),
        ),
        Post(
            "county_admin",
            lambda site: f"/c/{_county(site)}/channels/taobao/stock-push/",
            lambda site: {"action": "push"},
        ),
    ],
    "api:cancel_order": [
        Post(
            "buyer",
            lambda site: f"/api/orders/{site.order.pk}/cancel",
            lambda site: {},
            json=True,
            status=(200, 201),
        )
    ],
    "api:evaluate": [
        Post(
            "county_admin",
            lambda site: f"/api/programs/counties/{_county(site)}/payout-runs",
            lambda site: {"period": "2025-02"},
            json=True,
            status=(200, 201),
        )
    ],
    # Queues the import job (audited trace.import.queued), which checks the document.
    "api:capture": [
        Post(
            "seller_staff",
            lambda site: f"/api/trace/capture?county_id={site.world.county.pk}",
            lambda site: {"type": "EPCISDocument", "epcisBody": {"eventList": []}},
            json=True,
            status=(202,),
        )
    ],
}

# URLs that write without an audit entry by design, or that the walk does not drive; why.
ALLOWED: dict[str, str] = {
    "set_language": "the language choice lives in a cookie",
    "login": "logging in writes the session and last_login only",
    "logout": "deletes the session; revoking the user's API tokens is audited (revoke_user_tokens)",
    "resend_verification": "sends an e-mail, writes only a rate-limit counter",
    "password_change": "Django's view: one's own password, stored hashed",
    "password_reset": "Django's view: sends an e-mail, writes nothing",
    "password_reset_confirm": "Django's view: one's own password, by a mailed token",
    "shop:cart": "the cart lives in the session",
    "shop:cart_add": "the cart lives in the session",
    "digital_link": "public QR scans are counted (anonymous Scan rows, no actor, no personal data)",
    "digital_link_sscc": "public QR scans of cases and pallets are counted, as digital_link",
    "trace:record": (
        "appends an EPCIS event: append-only and hash-chained, the event names who recorded it "
        "and when, so it is its own audit record; a correction is audited (correct_event)"
    ),
    "trace:cold_chain": "appends temperature events, as trace:record",
    "trace:import": (
        "queues an import job (audited trace.import.queued) whose events are appended as "
        "trace:record; see tests/trace/test_import_job.py"
    ),
    "trace:receive": (
        "appends a CBV receiving event to each batch inside, as trace:record; the container's "
        "received station and time are part of that event"
    ),
    "shop:assisted_order": "places an order through the checkout service, audited as checkout",
    "api:ship_order": "ship_order audits through _transition, as shop:order_action",
    "api:import_epcis": "appends events of an EPCIS document, as trace:import",
    "analyses:wave_pls_setup": (
        "starts a run through start_run, audited (analyses.run.started) as analyses:pls_setup; "
        "the walk's site has no survey wave, see tests/analyses/test_waves.py"
    ),
    "analyses:wave_before_after_setup": (
        "starts a run through start_run, audited (analyses.run.started) as "
        "analyses:before_after_setup; see tests/analyses/test_waves.py"
    ),
    "impact:evaluations": (
        "starts a DiD run through start_evaluation, audited (impact.evaluation.started); the "
        "walk's site has no staggered rollout for the engine to accept, see "
        "tests/impact/test_panel_views.py"
    ),
    "surveys:openrosa_submission": (
        "OpenRosa clients authenticate by HTTP Basic, which the walk does not drive; a new answer "
        "is audited (submission.received), see tests/surveys/test_openrosa.py"
    ),
    "surveys:collect_submit": (
        "takes an XML body from the phone page's script, which the walk does not drive; it goes "
        "through receive_submission (audited submission.received), see tests/surveys/test_collect.py"
    ),
    "surveys:answers_import": (
        "needs an export file of a questionnaire, which the walk does not drive; the queued job "
        "is audited (submissions.import.queued), every answer (submission.received) and the file "
        "(submissions.imported), see tests/surveys/test_answers_import_job.py"
    ),
}

# URLs that only read: a POST to them must write nothing.
READING = frozenset(
    {
        "healthz",
        "my_jobs",
        "job",
        "job_progress",
        "job_file",
        "readyz",
        "metrics",
        "media",
        "root",
        "password_change_done",
        "password_reset_done",
        "password_reset_complete",
        "api:api-root",
        "api:list_tokens",
        "api:openapi-json",
        "api:openapi-view",
        "api:list_products",
        "api:get_product",
        "api:get_order",
        "api:list_households",
        "api:my_payouts",
        "api:county_kpis",
        "api:list_batches",
        "api:export_batch",
        "api:export_range",
        "api:query_events",
        "api:capture_job",
        "api:list_capture_jobs",
        "api:capture_options",
        "api:get_job",
        "api:get_job_file",
        "api:payout_run",
        "catalog:home",
        "catalog:browse",
        "catalog:product",
        "shop:orders",
        "shop:order",
        "aftersales:list",
        "aftersales:detail",
        "api:list_aftersales",
        "api:list_submissions",
        "surveys:openrosa_form_list",
        "surveys:openrosa_form",
        "surveys:collect",
        "surveys:collect_worker",
        "surveys:list",
        "surveys:wave",
        "surveys:questionnaires",
        "surveys:questionnaire_xlsx",
        "surveys:draft",
        "surveys:draft_xlsx",
        "api:stock",
        "channels:index",
        "channels:gov832",
        "channels:feed",
        "channels:sales_csv",
        "channels:product_listings",
        "api:get_aftersale",
        "shop:seller_dashboard",
        "shop:seller_orders",
        "shop:packing_slips",
        "shop:sales_report",
        "shop:station_dashboard",
        "shop:station_day_sheet",
        "shop:station_slip",
        "shop:checkout_placed",
        "programs:dashboard",
        "programs:report",
        "programs:province",
        "programs:my_payouts",
        "programs:evidence",
        "programs:run",
        "programs:export_run",
        "crossborder:exports",
        "crossborder:download",
        "crossborder:report",
        "analyses:dataset",
        "analyses:run",
        "analyses:run_progress",
        "analyses:run_report",
        "training:outcomes",
        "impact:accounts",
        "impact:province",
        "impact:income",
        "impact:income_csv",
        "impact:evaluation",
        "impact:evaluation_progress",
        "impact:evaluation_panel",
        "impact:report",
        "training:my_certificates",
        "training:certificate_pdf",
        "training:verify",
        "trace:batches",
        "trace:batch",
        "trace:label",
        "trace:export",
        "trace:units_csv",
        "trace:recall",
        "trace:containers",
        "trace:container_label",
        "trace:vocabulary",
    }
)


def test_every_url_is_driven_allowed_or_reading():
    names = set(named_urls())
    classified = set(DRIVEN) | set(ALLOWED) | READING
    assert not names - classified, (
        "new URLs: drive them in DRIVEN (their writes must be audited), or list them in "
        "ALLOWED with the reason, or in READING"
    )
    assert not classified - names, "classified URLs that no longer exist"
    assert not (set(DRIVEN) & set(ALLOWED)) and not (set(DRIVEN) | set(ALLOWED)) & READING


def _user(site: Site, role: str | None) -> Any:
    if role is None:
        return None
    return site.second_admin if role == "second_admin" else site.world.users[role]


def _verification_path(site: Site) -> str:
    """A new sign-up's link, as its e-mail carries it."""
    user = get_user_model().objects.filter(username="to-verify").first() or sign_up(
        username="to-verify", email="to-verify@example.invalid", password="x-9-long-pw"
    )
    token = verification_tokens.make_token(user)
    return reverse("verify_email", args=[urlsafe_base64_encode(force_bytes(user.pk)), token])


def _log_in(client: Any, site: Site, step: Post) -> dict[str, str]:
    """Log the step's user in (a session, or a bearer token for the API)."""
    user = _user(site, step.user)
    if user is not None and step.json:
        return {"HTTP_AUTHORIZATION": f"Bearer {issue_api_token(user=user)}"}
    if user is not None and client.session.get("_auth_user_id") == str(user.pk):
        return {}  # the same person goes on (with the cart in their session)
    client.logout()
    if user is not None:
        client.force_login(user)
    return {}


def _post(client: Any, site: Site, step: Post, headers: dict[str, str]) -> Any:
    url, data, send = step.url(site), step.data(site), getattr(client, step.method)
    if step.json:
        return send(url, json.dumps(data), content_type="application/json", **headers)
    return send(url, data)


@pytest.mark.parametrize("name", sorted(DRIVEN))
def test_every_driven_write_is_audited(site, client, name):
    for step in DRIVEN[name]:
        headers = _log_in(client, site, step)
        with CaptureQueriesContext(connection) as captured:
            response = _post(client, site, step, headers)
        assert response.status_code in step.status, response.content.decode()[:3000]
        assert_audited(captured, f"POST {step.url(site)}", must_write=step.writes)


def _arguments(site: Site) -> dict[str, Any]:
    """A value for each URL parameter, naming records of the site's county."""
    analysis = _analysis(site)
    return {
        "dataset_id": analysis.dataset_id,
        "analysis_id": analysis.pk,
        "county_slug": site.world.county.slug,
        "product_id": site.world.product.pk,
        "number": site.order.number,
        "request_id": site.order.pk,
        "order_id": site.order.pk,
        "checkout_id": site.order.checkout_id,
        "pk": site.batch.pk,
        "batch_id": site.batch.pk,
        "run_id": site.run.pk,
        "fmt": "csv",
        "kind": "svg",
        "object_id": site.spending.pk,
        "code": site.certificate.code,
        "path": "products/none.jpg",
        "export_id": 0,
        "job_id": 0,
        "capture_id": 0,
        "name": "invoice.pdf",
        "form_id": "no-form",
        "version": "1",
        "wave_id": 1,
        "questionnaire_id": 0,
        "draft_id": 0,
        "year": 2025,
    }


def test_reading_urls_write_nothing(site, client):
    """One site for all: none of these may write, so none can spoil the next."""
    values = _arguments(site)
    urls = named_urls()
    client.force_login(site.superuser)
    wrote = {}
    for name in sorted(READING):
        route = urls[name].pattern
        parameters = [*getattr(route, "converters", {}), *route.regex.groupindex]
        kwargs = {key: values[key] for key in dict.fromkeys(parameters)}
        if name == "programs:evidence":
            kwargs["kind"] = "spending"
        url = reverse(name, kwargs=kwargs)
        with CaptureQueriesContext(connection) as captured:
            client.post(url, {"year": "2025", "q": "x"})
        if tables_written(captured):
            wrote[url] = sorted(tables_written(captured))
    assert not wrote, f"reading URLs wrote: {wrote}"


def test_a_driven_checkout_places_an_order(site, client):
    """The walk's drivers are real: the checkout step did place an order."""
    before = Order.objects.count()
    for step in DRIVEN["shop:checkout"]:
        _post(client, site, step, _log_in(client, site, step))
    assert Order.objects.count() == before + 1
