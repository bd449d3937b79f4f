from typing import Any

from django.http import HttpRequest


def storefront(request: HttpRequest) -> dict[str, Any]:
    """Whether the header shows the seller dashboard link."""
    user = request.user
    is_staff_of_seller = bool(
        getattr(user, "is_authenticated", False) and user.seller_staff_of.exists()
    )
    return {"is_seller_staff": is_staff_of_seller}
