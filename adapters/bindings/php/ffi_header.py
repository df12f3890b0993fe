#!/usr/bin/env python3
"""Makes the declarations PHP FFI reads (FFI::cdef has no preprocessor) from the C ABI header:
abi/include/eckid/eckid.h through the C preprocessor (cpp -P), with <stddef.h> empty (PHP FFI
knows size_t) and __attribute__ defined away. Used by the build (adapters/bindings/php/
CMakeLists.txt) and by the RosarioSIS bundle (adapters/hosts/rosariosis/bundle.py), so there is
no hand copy to keep in step.

    ffi_header.py HEADER OUTPUT
"""

import subprocess
import sys
import tempfile
from pathlib import Path

HEADER = Path(__file__).resolve().parents[3] / "abi" / "include" / "eckid" / "eckid.h"


def ffi_declarations(header: Path = HEADER) -> str:
    """The header's declarations, preprocessed, with a note that they are generated."""
    with tempfile.TemporaryDirectory() as empty:
        (Path(empty) / "stddef.h").write_text("")
        text = subprocess.run(
            ["cpp", "-P", "-nostdinc", "-I", empty, "-D__attribute__(x)=", str(header)],
            check=True, capture_output=True, text=True).stdout
    return f"/* Generated from eckid.h by ffi_header.py: do not edit. */\n{text}"


def main() -> int:
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip())
    Path(sys.argv[2]).write_text(ffi_declarations(Path(sys.argv[1])))
    return 0


if __name__ == "__main__":
    sys.exit(main())
