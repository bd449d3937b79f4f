from __future__ import annotations

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from countyhub.core.services import issue_api_token
from countyhub.core.throttle import clear_login_failures, login_blocked, record_login_failure

router = Router(tags=["auth"])


class Credentials(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str


@router.post("/token", auth=None, response={200: TokenOut})
def create_token(request: HttpRequest, credentials: Credentials) -> dict[str, str]:
    address = request.META.get("REMOTE_ADDR", "")
    if login_blocked(username=credentials.username, address=address):
        raise HttpError(429, _("Too many failed log-ins; try again in 15 minutes."))
    user = authenticate(request, username=credentials.username, password=credentials.password)
    if user is None:
        record_login_failure(username=credentials.username, address=address)
        raise HttpError(401, _("Wrong username or password."))
    clear_login_failures(username=credentials.username, address=address)
    return {"token": issue_api_token(user=user)}
