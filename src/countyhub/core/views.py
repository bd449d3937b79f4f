from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, PasswordResetView
from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.static import serve

from countyhub.core import jobs, throttle
from countyhub.core.email_verification import send_after_commit, user_for_link, verification_link
from countyhub.core.forms import (
    SignupForm,
    ThrottledAuthenticationForm,
    ThrottledPasswordResetForm,
    wait_message,
)
from countyhub.core.health import OPTIONAL, readiness_checks
from countyhub.core.models import Job
from countyhub.core.selectors import email_verified
from countyhub.core.services import sign_up, verify_email

SIGNUPS_PER_ADDRESS_AN_HOUR = 10
VERIFICATION_MAILS_AN_HOUR = 3


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness: the process answers. Nothing outside it is asked, so a database outage never
    makes an orchestrator restart healthy app servers (that is /readyz's business)."""
    return JsonResponse({"status": "ok"})


@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Readiness: the database, the caches and (with REDIS_URL) the job broker answer; 503 names
    each one that does not, so a load balancer takes this server out until they do. A replica
    that is down or behind is named too, with 200 and "degraded": the primary serves its reads."""
    checks = readiness_checks()
    failed = {name for name, problem in checks.items() if problem}
    status = "unavailable" if failed - OPTIONAL else "degraded" if failed else "ok"
    body = {
        "status": status,
        "checks": {name: problem or "ok" for name, problem in checks.items()},
    }
    return JsonResponse(body, status=503 if status == "unavailable" else 200)


def safe_next(request: HttpRequest, fallback: str = "/") -> str:
    """Where to go after an action: the `next` asked for, if it is on this site; else `fallback`."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file from MEDIA_ROOT, in development and the demo only (settings.SERVE_MEDIA);
    in production the web server or the object store serves them."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        # This browser now knows the account: others' failures will not slow its owner down.
        response.set_cookie(
            throttle.DEVICE_COOKIE,
            throttle.device_cookie_value(form.get_user().get_username()),
            max_age=throttle.DEVICE_COOKIE_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
        return response


class ThrottledPasswordResetView(PasswordResetView):
    form_class = ThrottledPasswordResetForm

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "request": self.request}


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        verdict = throttle.allow_request(
            scope="signup",
            identity=throttle.client_address(request),
            limit=SIGNUPS_PER_ADDRESS_AN_HOUR,
            period_seconds=3600,
        )
        if not verdict.allowed:
            form.add_error(None, wait_message(verdict.wait_seconds))
            return render(request, "registration/signup.html", {"form": form})
        email = form.cleaned_data["email"]
        user = sign_up(
            username=form.cleaned_data["username"],
            email=email,
            password=form.cleaned_data["password1"],
        )
        if user is None:
            # The address has an account: tell its owner, and show this visitor the same page
            # as anyone else, so that the form does not reveal whose address is registered.
            send_after_commit(
                to=email,
                template="address_taken",
                context={"login_url": request.build_absolute_uri("/accounts/login/")},
            )
        else:
            send_after_commit(
                to=email,
                template="verify",
                context={"user": user, "link": verification_link(request, user)},
            )
        return render(request, "registration/verify_sent.html", {"email": email})
    return render(request, "registration/signup.html", {"form": form})


@require_GET
def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    user = user_for_link(uidb64, token)
    if user is None:
        return render(request, "registration/verify_failed.html", status=400)
    verify_email(user=user)
    if not request.user.is_authenticated:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    messages.success(request, _("Your e-mail address is verified."))
    return redirect("/")


@login_required
@require_POST
def resend_verification(request: HttpRequest) -> HttpResponseBase:
    user = request.user
    if email_verified(user):
        return redirect(safe_next(request))
    verdict = throttle.allow_request(
        scope="verify-mail",
        identity=str(user.pk),
        limit=VERIFICATION_MAILS_AN_HOUR,
        period_seconds=3600,
    )
    if not verdict.allowed:
        messages.error(request, wait_message(verdict.wait_seconds))
    else:
        send_after_commit(
            to=user.email_address.email,  # type: ignore[union-attr]
            template="verify",
            context={"user": user, "link": verification_link(request, user)},
        )
        messages.success(request, _("We sent the link again; it is valid for three days."))
    return redirect(safe_next(request))


JOBS_PAGE_SIZE = 25


@login_required
@require_GET
def my_jobs(request: HttpRequest) -> HttpResponse:
    """The background jobs this user started, newest first: how each went, why a failed one
    failed, and a retry button where running it again is safe."""
    started = Job.objects.filter(created_by=request.user).select_related("county")
    page_obj = Paginator(started, JOBS_PAGE_SIZE).get_page(request.GET.get("page"))
    shown = [jobs.reap_if_stale(job) for job in page_obj.object_list]
    return render(request, "core/jobs.html", {"jobs": shown, "page_obj": page_obj})


@login_required
@require_POST
def retry_job(request: HttpRequest, job_id: int) -> HttpResponseBase:
    """Run a failed job again: only its own user, only a kind whose handler allows it."""
    job = get_object_or_404(Job, pk=job_id, created_by=request.user)
    if not jobs.may_retry(job, request.user):
        raise Http404
    if jobs.retry(job, actor=request.user):
        messages.success(request, _("The job is queued again."))
    return redirect(safe_next(request, "/jobs/"))


@login_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    """One job: its progress while it runs (polled), then its outcome, its file to download,
    and the page it leads to (an import's result)."""
    job = jobs.own_job(request.user, job_id)
    return render(request, "core/job.html", {"job": job, "next_url": job.result.get("url")})


@login_required
@require_GET
def job_progress(request: HttpRequest, job_id: int) -> JsonResponse:
    return JsonResponse(jobs.job_progress(jobs.own_job(request.user, job_id)))


@login_required
@require_POST
def cancel_job(request: HttpRequest, job_id: int) -> HttpResponseBase:
    job = jobs.own_job(request.user, job_id)
    if not job.finished:
        jobs.cancel(job, actor=request.user)
    return redirect("job", job_id=job.pk)


@login_required
@require_GET
def job_file(request: HttpRequest, job_id: int) -> FileResponse:
    """The file a job made, as an attachment under the name it was given."""
    return jobs.job_file_response(jobs.own_job(request.user, job_id))
