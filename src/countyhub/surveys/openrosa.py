"""The OpenRosa server of a county, so that ODK Collect, KoboCollect and Enketo work unmodified:
form list, form download, HEAD and POST of submissions. Clients authenticate each request with
HTTP Basic (no session, hence no CSRF token: these views alone are exempt); only the county's
enumerators and administrators are let in."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from collections.abc import Callable
from typing import Any
from xml.sax.saxutils import escape

from django.conf import settings
from django.contrib.auth import authenticate, get_user_model
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from countyhub.core import throttle
from countyhub.core.errors import ErrorKind
from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.surveys import selectors
from countyhub.surveys.errors import SurveyError
from countyhub.surveys.services import receive_submission

OPENROSA_VERSION = "1.0"
# Collect clients send the password with every request (no session). Checking it costs a
# password hash (PBKDF2, about 0.3 s of CPU), which would cap a server at a few posts a second;
# a password that passed is remembered this long, as a keyed digest in the shared cache.
VERIFIED_SECONDS = 300
STATUS = {
    ErrorKind.INVALID: 400,
    ErrorKind.UNPROCESSABLE: 400,
    ErrorKind.FORBIDDEN: 403,
    ErrorKind.NOT_FOUND: 404,
    ErrorKind.CONFLICT: 409,
}


def max_submission_bytes() -> int:
    return int(settings.COUNTYHUB_MAX_DOCUMENT_BYTES)


def _headers(response: HttpResponse) -> HttpResponse:
    response["X-OpenRosa-Version"] = OPENROSA_VERSION
    response["X-OpenRosa-Accept-Content-Length"] = str(max_submission_bytes())
    return response


def _envelope(message: str, *, status: int, nature: str) -> HttpResponse:
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<OpenRosaResponse xmlns="http://openrosa.org/http/response">'
        f'<message nature="{nature}">{escape(message)}</message></OpenRosaResponse>'
    )
    return _headers(HttpResponse(body, status=status, content_type="text/xml; charset=utf-8"))


def _challenge(county: County) -> HttpResponse:
    response = _envelope(_("Log in as an enumerator of this county."), status=401, nature="error")
    response["WWW-Authenticate"] = f'Basic realm="countyhub {county.slug}", charset="UTF-8"'
    return response


def _verified_key(username: str, password: str, stored_hash: str) -> str:
    # Keyed by the stored hash too: a changed password makes every remembered one stale.
    message = f"{username}\0{password}\0{stored_hash}".encode()
    digest = hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
    return f"openrosa:verified:{digest}"


def _remembered_user(username: str, password: str) -> Any:
    """The active account whose password was verified in the last VERIFIED_SECONDS."""
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None or not cache.get(_verified_key(username, password, user.password)):
        return None
    return user


def _basic_user(request: HttpRequest) -> tuple[Any, str | None]:
    """The user of the Authorization: Basic header; (None, reason) when there is none."""
    scheme, _space, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None, None
    try:
        username, _colon, password = base64.b64decode(encoded).decode("utf-8").partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    address = throttle.client_address(request)
    verdict = throttle.check_login(username=username, address=address)
    if not verdict.allowed:
        return None, "throttled"
    if (user := _remembered_user(username, password)) is not None:
        return user, None
    user = authenticate(request, username=username, password=password)
    if user is None:
        throttle.record_login_failure(username=username, address=address)
        return None, None
    throttle.record_login_success(username=username, address=address)
    cache.set(_verified_key(username, password, user.password), True, VERIFIED_SECONDS)
    return user, None


def may_collect(user: Any, county: County) -> bool:
    return Role.ENUMERATOR in roles_in(user, county) or is_county_admin(user, county)


def openrosa_view(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Find the county, authenticate by Basic, check the role; OpenRosa headers on every answer."""

    def wrapped(request: HttpRequest, county_slug: str, **kwargs: Any) -> HttpResponse:
        county = get_object_or_404(County, slug=county_slug)
        user, reason = _basic_user(request)
        if reason == "throttled":
            return _envelope(
                _("Too many failed log-ins: wait and try again."), status=429, nature="error"
            )
        if user is None:
            return _challenge(county)
        if not may_collect(user, county):
            return _envelope(
                _("This account is not an enumerator of %(county)s.") % {"county": county.name},
                status=403,
                nature="error",
            )
        request.user = user
        return _headers(view(request, county, **kwargs))

    wrapped.__name__ = view.__name__
    wrapped.__doc__ = view.__doc__
    return csrf_exempt(wrapped)


@require_GET
@openrosa_view
def form_list(request: HttpRequest, county: County) -> HttpResponse:
    """The OpenRosa xformsList of the forms the county is collecting."""
    items = []
    for questionnaire in selectors.collecting_questionnaires(county):
        url = request.build_absolute_uri(
            reverse(
                "surveys:openrosa_form",
                args=[county.slug, questionnaire.form_id, questionnaire.version],
            )
        )
        digest = hashlib.md5(questionnaire.xform_xml.encode(), usedforsecurity=False).hexdigest()
        items.append(
            "<xform>"
            f"<formID>{escape(questionnaire.form_id)}</formID>"
            f"<name>{escape(questionnaire.title)}</name>"
            f"<version>{escape(questionnaire.version)}</version>"
            f"<hash>md5:{digest}</hash>"
            f"<downloadUrl>{escape(url)}</downloadUrl>"
            "</xform>"
        )
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<xforms xmlns="http://openrosa.org/xforms/xformsList">' + "".join(items) + "</xforms>"
    )
    return HttpResponse(body, content_type="text/xml; charset=utf-8")


@require_GET
@openrosa_view
def form_download(request: HttpRequest, county: County, form_id: str, version: str) -> HttpResponse:
    """The XForm XML of one questionnaire version."""
    questionnaire = selectors.questionnaire_of(county, form_id, version)
    if questionnaire is None:
        raise Http404
    return HttpResponse(questionnaire.xform_xml, content_type="text/xml; charset=utf-8")


@require_http_methods(["HEAD", "POST"])
@openrosa_view
def submission(request: HttpRequest, county: County) -> HttpResponse:
    """HEAD: 204, the client learns the headers. POST: multipart with `xml_submission_file`
    and the media; 201 for a new answer and for a repeat of one (new media merged)."""
    if request.method == "HEAD":
        return HttpResponse(status=204)
    upload = request.FILES.get("xml_submission_file")
    if upload is None:
        return _envelope(_("The post has no xml_submission_file part."), status=400, nature="error")
    media = [
        f for name, files in request.FILES.lists() if name != "xml_submission_file" for f in files
    ]
    try:
        _answer, created = receive_submission(
            county=county, enumerator=request.user, xml=upload.read(), media=media
        )
    except SurveyError as error:
        return _envelope(error.message, status=STATUS[error.code.kind], nature="error")
    message = (
        _("Thank you: the answer is received.")
        if created
        else _("The answer was received already; its new media are added.")
    )
    response = _envelope(message, status=201, nature="submit_success")
    response["Location"] = request.build_absolute_uri()
    return response
