"""ECK iD Settings (single doctype): the eckid service file, the PGN field and the schools."""

from frappe.model.document import Document

from eckid_frappe.events import check_settings


class ECKiDSettings(Document):
    def validate(self):
        """Shows every problem eckid finds in these settings, each with its key
        (events.check_settings); the settings are saved all the same."""
        check_settings(self)
