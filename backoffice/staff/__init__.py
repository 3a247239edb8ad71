"""Staff accounts and console log-ins; ``python -m backoffice.staff`` manages the accounts."""

from backoffice.staff.accounts import (
    LoggedIn,
    StaffError,
    create_staff,
    current_session,
    list_staff,
    log_in,
    log_out,
    set_active,
    set_password,
)

__all__ = ["LoggedIn", "StaffError", "create_staff", "current_session", "list_staff", "log_in", "log_out",
           "set_active", "set_password"]
