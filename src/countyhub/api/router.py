"""The JSON API: one NinjaAPI that mounts each app's router; errors as {code, message, field}."""

from __future__ import annotations

from typing import Any, cast

from django.http import HttpRequest
from django.utils.datastructures import MultiValueDict
from ninja import NinjaAPI
from ninja.errors import ValidationError
from ninja.parser import Parser

from countyhub.aftersales.api import router as aftersales_router
from countyhub.api import errors
from countyhub.catalog.api import router as catalog_router
from countyhub.catalog.households_api import router as households_router
from countyhub.channels.api import router as channels_router
from countyhub.core.api import BearerAuth, jobs_router
from countyhub.core.api import router as auth_router
from countyhub.core.json_input import nul_message, parse_json
from countyhub.programs.api import router as programs_router
from countyhub.shop.api import router as shop_router
from countyhub.surveys.api import router as surveys_router
from countyhub.trace.api import router as trace_router


class BoundedParser(Parser):
    """JSON bodies through parse_json: too deep or broken is a 400 with a message saying so."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        return cast(dict[str, Any], parse_json(request.body))

    def parse_querydict(
        self, data: MultiValueDict[str, Any], list_fields: list[str], request: HttpRequest
    ) -> dict[str, Any]:
        """Query and form values; NUL, which PostgreSQL cannot compare or store, is a 422."""
        for key, values in data.lists():
            if any("\x00" in str(value) for value in [key, *values]):
                loc = ("query", key)
                raise ValidationError([{"loc": loc, "msg": nul_message(), "type": "nul"}])
        return super().parse_querydict(data, list_fields, request)


api = NinjaAPI(
    parser=BoundedParser(),
    title="countyhub API",
    version="1",
    description="Products, orders and stock of a county e-commerce public service center. "
    'Every error answer is {"code", "message", "field"}: `code` is stable for programs.',
    auth=BearerAuth(),
    urls_namespace="api",
)
for prefix, router in [
    ("/auth", auth_router),
    ("/products", catalog_router),
    ("/orders", shop_router),
    ("/aftersales", aftersales_router),
    ("/counties", households_router),
    ("/programs", programs_router),
    ("/trace", trace_router),
    ("/surveys", surveys_router),
    ("/channels", channels_router),
    ("/jobs", jobs_router),
]:
    errors.document_common_errors(router)
    api.add_router(prefix, router)
errors.install(api)
