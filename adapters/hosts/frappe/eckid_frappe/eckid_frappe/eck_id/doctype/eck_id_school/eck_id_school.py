"""ECK iD School (child table of ECK iD Settings): one school (Company) and its settings."""

from frappe.model.document import Document


class ECKiDSchool(Document):
    pass
