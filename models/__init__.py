"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import (  # noqa: F401
    backoffice,
    broadcast,
    catalog,
    export,
    farmer,
    orders,
    outbox,
    payments,
    roles,
    shop,
    state,
    stats,
    user,
)
