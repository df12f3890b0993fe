#!/usr/bin/env python3
"""Builds the EckId plugin zip that RosarioSIS's plugin upload takes (School > Configuration >
Plugins > Upload): one top folder EckId/ with the plugin, the project's LICENSE (LGPL-2.1, which
goes with every copy) and the PHP binding in EckId/lib/, with the binding's FFI declarations made
from eckid.h (adapters/bindings/php/ffi_header.py; needs cpp).

    python3 adapters/hosts/rosariosis/bundle.py EckId.zip

libeckid.so is not in the zip: it must not lie in the web root (README.md, "Install").
"""

import sys
import zipfile
from pathlib import Path

ADAPTERS = Path(__file__).resolve().parents[2]  # adapters/: hosts/rosariosis/bundle.py
sys.path.insert(0, str(ADAPTERS / "bindings" / "php"))
from ffi_header import ffi_declarations  # noqa: E402
PARTS = [  # (source folder, folder inside the zip)
    (ADAPTERS / "hosts" / "rosariosis" / "EckId", "EckId"),
    (ADAPTERS / "bindings" / "php", "EckId/lib"),
]


def main() -> int:
    if len(sys.argv) != 2:
        sys.exit(__doc__.strip())
    with zipfile.ZipFile(sys.argv[1], "w", zipfile.ZIP_DEFLATED) as zip_file:
        for source, target in PARTS:
            for path in sorted(source.rglob("*")):
                if path.is_file() and path.suffix not in (".md", ".py", ".txt") and \
                        "__pycache__" not in path.parts:
                    zip_file.write(path, f"{target}/{path.relative_to(source)}")
        zip_file.write(ADAPTERS.parent / "LICENSE", "EckId/LICENSE")
        zip_file.writestr("EckId/lib/eckid.ffi.h", ffi_declarations())
    return 0


if __name__ == "__main__":
    sys.exit(main())
