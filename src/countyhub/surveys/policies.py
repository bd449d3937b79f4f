"""Who may work on a county's surveys. The pages and the export and import jobs ask the same
question, so that a job refuses what its page would refuse."""

from __future__ import annotations

from typing import Any

from countyhub.core.models import County, Role
from countyhub.core.permissions import is_county_admin, roles_in


def may_read_surveys(user: Any, county: County) -> bool:
    """County administrators and analysts read the surveys, their waves and their answers."""
    return is_county_admin(user, county) or Role.ANALYST in roles_in(user, county)
