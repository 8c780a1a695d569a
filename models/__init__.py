"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import (  # noqa: F401
    adoption_data,
    adoptions,
    backoffice,
    broadcast,
    catalog,
    export,
    farmer,
    orders,
    outbox,
    payments,
    privacy,
    roles,
    shop,
    state,
    stats,
    trees,
    updates,
    user,
)
