"""The JSON API: one NinjaAPI that mounts each app's router; errors as {code, message, field}."""

from __future__ import annotations

from ninja import NinjaAPI

from countyhub.aftersales.api import router as aftersales_router
from countyhub.api import errors
from countyhub.catalog.api import router as catalog_router
from countyhub.catalog.households_api import router as households_router
from countyhub.core.api import BearerAuth
from countyhub.core.api import router as auth_router
from countyhub.programs.api import router as programs_router
from countyhub.shop.api import router as shop_router
from countyhub.trace.api import router as trace_router

api = NinjaAPI(
    title="countyhub API",
    version="1",
    description="Products, orders and stock of a county e-commerce public service center. "
    'Every error answer is {"code", "message", "field"}: `code` is stable for programs.',
    auth=BearerAuth(),
    urls_namespace="api",
)
api.add_router("/auth", auth_router)
api.add_router("/products", catalog_router)
api.add_router("/orders", shop_router)
api.add_router("/aftersales", aftersales_router)
api.add_router("/counties", households_router)
api.add_router("/programs", programs_router)
api.add_router("/trace", trace_router)
errors.install(api)
