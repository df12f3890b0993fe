#!/usr/bin/env python3
"""Builds the EckId plugin zip that RosarioSIS's plugin upload takes (School > Configuration >
Plugins > Upload): one top folder EckId/ with the plugin and the PHP binding in EckId/lib/.

    python3 adapters/hosts/rosariosis/bundle.py EckId.zip

libeckid.so is not in the zip: it must not lie in the web root (README.md, "Install").
"""

import sys
import zipfile
from pathlib import Path

ADAPTERS = Path(__file__).resolve().parents[2]  # adapters/: hosts/rosariosis/bundle.py
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
                if path.is_file() and path.name != "README.md":
                    zip_file.write(path, f"{target}/{path.relative_to(source)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
