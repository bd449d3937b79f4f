"""A user's own notification choices; the page never names a user, so nobody reaches another's."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from countyhub.notifications import services
from countyhub.notifications.forms import PreferencesForm


@login_required
def preferences(request: HttpRequest) -> HttpResponse:
    user = request.user
    choices = services.preferences_of(user)
    language, phone = services.contact_of(user)
    form = PreferencesForm(
        request.POST or None,
        choices=choices,
        thresholds=services.seller_thresholds(user),
        initial={"language": language, "phone": phone},
    )
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            services.set_preferences(
                user=user,
                choices=form.chosen(),
                language=form.cleaned_data["language"],
                phone=form.cleaned_data["phone"],
            )
            for seller, threshold in form.chosen_thresholds().items():
                services.set_seller_threshold(actor=user, seller=seller, threshold=threshold)
        messages.success(request, _("Your notification choices are saved."))
        return redirect("notifications:preferences")
    return render(
        request,
        "notifications/preferences.html",
        {"form": form, "email": user.email},
    )
