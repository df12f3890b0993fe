"""ECK iD: a Frappe app that gives Frappe Education students their ECK iDs (libeckid)."""

__version__ = "0.1.0"
