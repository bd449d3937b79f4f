from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.views import LoginView
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET
from django.views.static import serve

from countyhub.core.forms import SignupForm, ThrottledAuthenticationForm
from countyhub.core.services import sign_up


@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and the benchmark's ceiling."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@require_GET
def media(request: HttpRequest, path: str) -> HttpResponse:
    """An uploaded file from MEDIA_ROOT, in development and the demo only (settings.SERVE_MEDIA);
    in production the web server or the object store serves them."""
    return serve(request, path, document_root=settings.MEDIA_ROOT)


class ThrottledLoginView(LoginView):
    form_class = ThrottledAuthenticationForm
    redirect_authenticated_user = True


def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = sign_up(
            username=form.cleaned_data["username"],
            email=form.cleaned_data["email"],
            password=form.cleaned_data["password1"],
        )
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        return redirect(request.GET.get("next") or "/")
    return render(request, "registration/signup.html", {"form": form})
