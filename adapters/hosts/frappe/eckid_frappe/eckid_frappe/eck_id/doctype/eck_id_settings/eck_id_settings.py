"""ECK iD Settings (single doctype): the eckid service file, the PGN field and the schools."""

from frappe.model.document import Document


class ECKiDSettings(Document):
    pass
