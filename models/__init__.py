"""SQLModel tables and the domain operations on them; the only code that writes the database.

Importing this package registers every table on `SQLModel.metadata`.
"""

from models import (  # noqa: F401
    adoption_data,
    adoptions,
    broadcast,
    catalog,
    orders,
    outbox,
    payments,
    privacy,
    roles,
    shop,
    state,
    trees,
    updates,
    user,
)
