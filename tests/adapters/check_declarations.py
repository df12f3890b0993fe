#!/usr/bin/env python3
"""Keeps the bindings' copies of the C ABI in step with abi/include/eckid/eckid.h:
the function names, struct field names and enum constants of adapters/bindings/php/eckid.ffi.h, the
status constants of adapters/bindings/php/src/Status.php, the
ctypes signatures and structs of adapters/bindings/python/eckid/_abi.py, and the version #defines
mirrored in both bindings.

    check_declarations.py ROOT
"""

import re
import sys
from pathlib import Path


def strip_comments(text: str) -> str:
    return re.sub(r"/\*.*?\*/|//[^\n]*", "", text, flags=re.S)


def c_declarations(text: str):
    """(functions, {struct: [fields]}, {enum constant: value}) of a C header."""
    text = strip_comments(text)
    functions = set(re.findall(r"\b(eckid_\w+)\s*\([^;{]*\)\s*;", text)) - {"eckid_log_fn"}
    structs = {}
    for name, body in re.findall(r"typedef struct (\w+) \{(.*?)\}", text, flags=re.S):
        structs[name] = re.findall(r"(\w+)\s*;", re.sub(r"\([^)]*\)\s*\([^)]*\)", "", body))
        structs[name] = [re.sub(r".*\(\*(\w+)\).*", r"\1", f) for f in structs[name]]
    constants = dict(re.findall(r"\b(ECKID_[A-Z0-9_]+)\s*=\s*(\d+)", text))
    return functions, structs, constants


def main() -> int:
    root = Path(sys.argv[1])
    header = (root / "abi/include/eckid/eckid.h").read_text()
    problems = []
    h_functions, h_structs, h_constants = c_declarations(header)
    h_structs["eckid_open_options"] = [f if f != "eckid_log_fn" else "log"
                                       for f in h_structs["eckid_open_options"]]
    versions = dict(re.findall(r"#define ECKID_(\w*VERSION) (\d+)", header))

    statuses = dict(re.findall(r"\b(ECKID_[A-Z0-9_]+)\s*=\s*(\d+)",
                               re.search(r"typedef enum eckid_status \{(.*?)\}", strip_comments(header),
                                         flags=re.S).group(1)))
    php_statuses = {f"ECKID_{n}": v for n, v in re.findall(
        r"public const (\w+) = (\d+);", (root / "adapters/bindings/php/src/Status.php").read_text())}
    if php_statuses != statuses:
        problems.append(f"Status.php constants {sorted(set(php_statuses.items()) ^ set(statuses.items()))} "
                        "differ from eckid.h's eckid_status")
    php_abi = (root / "adapters/bindings/php/src/Abi.php").read_text()
    sys.path.insert(0, str(root / "adapters/bindings/python"))
    from eckid import _abi
    for name, value in versions.items():
        if f"public const {name} = {value};" not in php_abi:
            problems.append(f"Abi.php: {name} is not {value}")
        if getattr(_abi, name, None) != int(value):
            problems.append(f"_abi.py: {name} is not {value}")
    problems += [f"_abi.py lacks a signature of {f}" for f in sorted(h_functions - set(_abi.SIGNATURES))]
    problems += [f"_abi.py has {f} not in eckid.h" for f in sorted(set(_abi.SIGNATURES) - h_functions)]
    for name, fields in h_structs.items():
        struct = getattr(_abi, name, None)
        got = [f for f, _t in struct._fields_] if struct else None
        if got != fields:
            problems.append(f"_abi.py: struct {name} fields {got} != {fields}")

    for p in problems:
        print("check_declarations:", p)
    print(f"declarations: {len(h_functions)} functions, {len(h_structs)} structs, "
          f"{len(h_constants)} constants, {len(versions)} versions; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
