"""eckid: ECK iDs for a school administration system, through libeckid's C ABI (ctypes).

    from eckid import Plugin
    with Plugin("/etc/eckid/eckid.toml") as plugin:
        result = plugin.pupil_created("04AB", "pupil-17", pgn)
        print(result.eckid)
"""

from .config import plugin_for
from .errors import EckIdError, Status, status_name
from .plugin import (Delivery, LogLevel, OnboardInfo, OnboardReceipt, PgnKind, Plugin, QueueInfo,
                     Result)
from .source import CheckFinding, CheckReport, CheckSchool, SchoolSettings, Verdict, check

__all__ = ["CheckFinding", "CheckReport", "CheckSchool", "Delivery", "EckIdError", "LogLevel",
           "OnboardInfo", "OnboardReceipt", "PgnKind", "Plugin", "QueueInfo", "Result",
           "SchoolSettings", "Status", "Verdict", "check", "plugin_for", "status_name"]
