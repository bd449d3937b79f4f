"""API tokens stop when their owner logs out or their password changes, however it changed
(their own page, a reset link, the admin, the shell)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_out
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from countyhub.core.services import revoke_user_tokens

User = get_user_model()


@receiver(user_logged_out, dispatch_uid="countyhub.core.revoke_tokens_on_logout")
def revoke_tokens_on_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    if user is not None:
        revoke_user_tokens(actor=user, user=user, because="logout")


@receiver(pre_save, sender=User, dispatch_uid="countyhub.core.note_password_change")
def note_password_change(
    sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any
) -> None:
    if instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return
    stored = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._countyhub_password_changed = stored is not None and stored != instance.password


@receiver(post_save, sender=User, dispatch_uid="countyhub.core.revoke_tokens_on_password_change")
def revoke_tokens_on_password_change(sender: Any, instance: Any, **kwargs: Any) -> None:
    if getattr(instance, "_countyhub_password_changed", False):
        instance._countyhub_password_changed = False
        revoke_user_tokens(actor=None, user=instance, because="password_changed")
