#!/usr/bin/env python3
"""Builds the EckId plugin zip that RosarioSIS's plugin upload takes (School > Configuration >
Plugins > Upload): one top folder EckId/ with the plugin, the project's LICENSE (LGPL-2.1, which
goes with every copy) and the PHP binding in EckId/lib/, with the binding's FFI declarations made
from eckid.h (adapters/bindings/php/ffi_header.py; needs cpp).

    python3 adapters/hosts/rosariosis/bundle.py EckId.zip

libeckid.so is not in the zip: it must not lie in the web root (README.md, "Install").
Reproducible: the entries are sorted, with fixed modes and the time SOURCE_DATE_EPOCH (seconds
since 1970; the current time without it). packaging/build-bundles.py uses write_zip() for the
Odoo addon too.
"""

import os
import sys
import time
import zipfile
from pathlib import Path

ADAPTERS = Path(__file__).resolve().parents[2]  # adapters/: hosts/rosariosis/bundle.py
sys.path.insert(0, str(ADAPTERS / "bindings" / "php"))
from ffi_header import ffi_declarations  # noqa: E402
PARTS = [  # (source folder, folder inside the zip)
    (ADAPTERS / "hosts" / "rosariosis" / "EckId", "EckId"),
    (ADAPTERS / "bindings" / "php", "EckId/lib"),
]


def write_zip(out: Path, entries: dict[str, bytes], when: int) -> None:
    """Writes entries (name in the zip -> content) to out, sorted by name, each a regular file
    rw-r--r-- with the time when (seconds since 1970; a zip's earliest is 1980-01-01)."""
    stamp = max(time.gmtime(when)[:6], (1980, 1, 1, 0, 0, 0))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zip_file:
        for name in sorted(entries):
            info = zipfile.ZipInfo(name, stamp)
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            zip_file.writestr(info, entries[name])


def entries() -> dict[str, bytes]:
    """The plugin zip's files: name in the zip -> content."""
    found = {f"{target}/{path.relative_to(source)}": path.read_bytes()
             for source, target in PARTS for path in source.rglob("*")
             if path.is_file() and path.suffix not in (".md", ".py", ".txt")
             and "__pycache__" not in path.parts}
    found["EckId/LICENSE"] = (ADAPTERS.parent / "LICENSE").read_bytes()
    found["EckId/lib/eckid.ffi.h"] = ffi_declarations().encode()
    return found


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    when = int(os.environ.get("SOURCE_DATE_EPOCH") or time.time())
    write_zip(Path(sys.argv[1]), entries(), when)
    return 0


if __name__ == "__main__":
    sys.exit(main())
