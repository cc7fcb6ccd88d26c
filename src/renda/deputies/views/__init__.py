"""代表名册: the deputies' roster, a person's history, accounts from the roster, the Excel export."""

from __future__ import annotations

from renda.deputies.views.roster import (
    accounts_create,
    deputy_list,
    no_seat_response,
    person_detail,
)

__all__ = ["accounts_create", "deputy_list", "no_seat_response", "person_detail"]
