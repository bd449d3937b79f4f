"""Training pages: courses and sessions, enrollment and attendance (trainers, county staff),
outcomes, a trainee's certificates, and the public certificate verification page."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in
from countyhub.training import services
from countyhub.training.certificates import certificate_pdf
from countyhub.training.errors import TrainingError
from countyhub.training.forms import CourseForm, EnrollForm, SessionForm
from countyhub.training.models import Certificate, Course, Enrollment, EnrollmentStatus, Session
from countyhub.training.outcomes import training_outcomes

PER_PAGE = 25
_LANGUAGE_CODES = frozenset(code for code, _name in settings.LANGUAGES)


def _training_county(request: HttpRequest, slug: str, *, analysts: bool = False) -> County:
    county = get_object_or_404(County, slug=slug)
    roles = roles_in(request.user, county)
    if is_county_admin(request.user, county) or Role.TRAINER in roles:
        return county
    if analysts and Role.ANALYST in roles:
        return county
    raise PermissionDenied


def _trainers(county: County):
    return (
        get_user_model()
        .objects.filter(memberships__county=county, memberships__role=Role.TRAINER)
        .distinct()
    )


@login_required
def courses(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _training_county(request, county_slug)
    form = CourseForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        course = services.create_course(actor=request.user, county=county, **form.cleaned_data)
        messages.success(request, _("Course “%(title)s” added.") % {"title": course.title})
        return redirect("training:course", county.slug, course.pk)
    page_obj = Paginator(
        Course.objects.filter(county=county).prefetch_related("sessions").order_by("title", "pk"),
        PER_PAGE,
    ).get_page(request.GET.get("page"))
    context = {
        "county": county,
        "courses": page_obj.object_list,
        "page_obj": page_obj,
        "form": form,
    }
    return render(request, "training/courses.html", context, status=400 if form.errors else 200)


@login_required
def course_detail(request: HttpRequest, county_slug: str, course_id: int) -> HttpResponse:
    county = _training_county(request, county_slug)
    course = get_object_or_404(Course, pk=course_id, county=county)
    form = SessionForm(request.POST or None, trainers=_trainers(county))
    if request.method == "POST" and form.is_valid():
        session = services.schedule_session(actor=request.user, course=course, **form.cleaned_data)
        return redirect("training:session", county.slug, session.pk)
    page_obj = Paginator(course.sessions.select_related("trainer"), PER_PAGE).get_page(
        request.GET.get("page")
    )
    context = {
        "county": county,
        "course": course,
        "sessions": page_obj.object_list,
        "page_obj": page_obj,
        "form": form,
    }
    return render(request, "training/course.html", context, status=400 if form.errors else 200)


def _may_record(request: HttpRequest, session: Session) -> bool:
    return session.trainer_id == request.user.pk or is_county_admin(
        request.user, session.course.county
    )


@login_required
def session_detail(request: HttpRequest, county_slug: str, session_id: int) -> HttpResponse:
    county = _training_county(request, county_slug)
    session = get_object_or_404(
        Session.objects.select_related("course", "trainer"), pk=session_id, course__county=county
    )
    form = EnrollForm(request.POST or None, county=county)
    if request.method == "POST" and form.is_valid():
        try:
            enrollment = services.enroll_trainee(
                session=session,
                actor=request.user,
                user=form.cleaned_data["username"],
                member=form.cleaned_data["member"],
                full_name=form.cleaned_data["full_name"],
            )
        except TrainingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s: %(status)s.")
                % {"name": enrollment.trainee_name, "status": enrollment.get_status_display()},
            )
            return redirect("training:session", county.slug, session.pk)
    enrollments = session.enrollments.select_related(
        "user", "member__household__village", "certificate"
    ).order_by("created_at", "pk")
    context = {
        "county": county,
        "session": session,
        "enrolled": [e for e in enrollments if e.status == EnrollmentStatus.ENROLLED],
        "waiting": [e for e in enrollments if e.status == EnrollmentStatus.WAITING],
        "form": form,
        "may_record": _may_record(request, session),
    }
    return render(request, "training/session.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def attendance(request: HttpRequest, county_slug: str, session_id: int) -> HttpResponse:
    county = _training_county(request, county_slug)
    session = get_object_or_404(Session, pk=session_id, course__county=county)
    if not _may_record(request, session):
        raise PermissionDenied
    present = [int(v) for v in request.POST.getlist("present") if v.isdigit()]
    try:
        issued = services.record_attendance(
            session=session, present_ids=present, actor=request.user
        )
    except TrainingError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Attendance recorded; %(count)s certificate(s) issued.") % {"count": len(issued)},
        )
    return redirect("training:session", county.slug, session.pk)


@login_required
@require_POST
def cancel(request: HttpRequest, county_slug: str, enrollment_id: int) -> HttpResponse:
    county = _training_county(request, county_slug)
    enrollment = get_object_or_404(Enrollment, pk=enrollment_id, session__course__county=county)
    try:
        services.cancel_enrollment(enrollment=enrollment, actor=request.user)
    except TrainingError as error:
        messages.error(request, error.message)
    return redirect("training:session", county.slug, enrollment.session_id)


@login_required
def outcomes(request: HttpRequest, county_slug: str) -> HttpResponse:
    county = _training_county(request, county_slug, analysts=True)
    result = training_outcomes(county=county, today=timezone.localdate())
    context = {"county": county, "result": result, "groups": [result.trained, result.untrained]}
    return render(request, "training/outcomes.html", context)


@login_required
def my_certificates(request: HttpRequest) -> HttpResponse:
    certificates = Certificate.objects.filter(enrollment__user=request.user).select_related(
        "enrollment__session__course__county"
    )
    return render(request, "training/my_certificates.html", {"certificates": certificates})


def _verify_url(request: HttpRequest, certificate: Certificate) -> str:
    return request.build_absolute_uri(reverse("training:verify", args=[certificate.code]))


@login_required
def certificate_download(request: HttpRequest, code: str) -> HttpResponse:
    certificate = get_object_or_404(
        Certificate.objects.select_related("enrollment__session__course__county"), code=code
    )
    session = certificate.enrollment.session
    if not (certificate.enrollment.user_id == request.user.pk or _may_record(request, session)):
        raise PermissionDenied
    pdf = certificate_pdf(certificate, verify_url=_verify_url(request, certificate))
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="certificate-{certificate.number}.pdf"'
    return response


def verify(request: HttpRequest, code: str) -> HttpResponse:
    """Public: anyone who scans the QR code sees whether the certificate is genuine.

    Its language switch is a GET link (`?lang=en`) as on the trace pages: a first-time
    scanner has no CSRF cookie, so a form posted to set_language would be refused."""
    language = request.GET.get("lang")
    if language in _LANGUAGE_CODES:
        translation.activate(language)
        request.LANGUAGE_CODE = language
    certificate = (
        Certificate.objects.select_related("enrollment__session__course__county")
        .filter(code=code)
        .first()
    )
    status = 200 if certificate else 404
    return render(request, "training/verify.html", {"certificate": certificate}, status=status)
