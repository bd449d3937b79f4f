"""The site's URLs plus one view that fails, for tests of what an unhandled error leaves."""

from django.http import HttpRequest, HttpResponse
from django.urls import path

from countyhub.urls import urlpatterns as site


class LedgerOutOfBalanceError(Exception):
    pass


def fails(request: HttpRequest) -> HttpResponse:
    raise LedgerOutOfBalanceError("debits 10.00 != credits 9.00")


urlpatterns = [path("fails/", fails), *site]
