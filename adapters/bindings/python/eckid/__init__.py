"""eckid: ECK iDs for a school administration system, through libeckid's C ABI (ctypes).

    from eckid import Plugin
    with Plugin("/etc/eckid/eckid.toml") as plugin:
        result = plugin.pupil_created("04AB", "pupil-17", pgn)
        print(result.eckid)
"""

from .config import SchoolSettings, plugin_for, write_school_config
from .plugin import (Delivery, EckIdError, LogLevel, OnboardInfo, OnboardReceipt, PgnKind, Plugin,
                     QueueInfo, Result, Status)

__all__ = ["Delivery", "EckIdError", "LogLevel", "OnboardInfo", "OnboardReceipt", "PgnKind",
           "Plugin", "QueueInfo", "Result", "SchoolSettings", "Status", "plugin_for",
           "write_school_config"]
