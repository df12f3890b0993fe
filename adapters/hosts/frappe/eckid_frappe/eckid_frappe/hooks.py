"""Frappe app hooks: doc events of Frappe Education's Student and Program Enrollment."""

app_name = "eckid_frappe"
app_title = "ECK iD"
app_publisher = "eckid contributors"
app_description = "ECK iDs from the Nummervoorziening for Frappe Education students"
app_license = "LGPL-2.1-or-later"  # SPDX; the project's LICENSE
required_apps = ["education"]

doc_events = {
    "Student": {
        "after_insert": "eckid_frappe.events.student_after_insert",
        "on_update": "eckid_frappe.events.student_on_update",
        "after_delete": "eckid_frappe.events.student_after_delete",
    },
    "Program Enrollment": {
        "on_submit": "eckid_frappe.events.enrollment_on_submit",
        "on_cancel": "eckid_frappe.events.enrollment_on_cancel",
    },
}

# Results the Nummervoorziening gave after the event call returned QUEUED (service down or
# slow): polled from the plugin's outbox every minute and written into the Students.
scheduler_events = {
    "cron": {
        "* * * * *": ["eckid_frappe.events.deliver_results"],
    },
}

# The custom fields on Student and Program Enrollment (fixtures/custom_field.json).
fixtures = [{"dt": "Custom Field", "filters": [["module", "=", "ECK iD"]]}]
