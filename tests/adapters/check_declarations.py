#!/usr/bin/env python3
"""Keeps the bindings' copies of the C ABI in step with abi/include/eckid/eckid.h:
the function names, struct field names and enum constants of adapters/bindings/php/eckid.ffi.h, the
status constants of adapters/bindings/php/src/Status.php, the
ctypes signatures and structs of adapters/bindings/python/eckid/_abi.py (names, and the type of each
parameter, return value and field: its scalar or struct and its pointer depth, in order), and the
version #defines mirrored in both bindings.

    check_declarations.py ROOT
"""

import ctypes
import re
import sys
from pathlib import Path

# C scalar types as ctypes spells them (void: None).
SCALARS = {"void": None, "char": ctypes.c_char, "int": ctypes.c_int, "unsigned int": ctypes.c_uint,
           "unsigned long": ctypes.c_ulong, "long long": ctypes.c_longlong,
           "unsigned long long": ctypes.c_ulonglong, "size_t": ctypes.c_size_t}


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


def c_typed(text: str):
    """({function: [return type, parameter types...]}, {struct: [field types]}) of a C header,
    each type as written (without the names)."""
    text = strip_comments(text)

    def untyped(declaration: str) -> str:  # "const char *name" -> "const char *"
        return re.sub(r"\s*\b\w+\s*$", "", declaration.strip())

    functions = {}
    for result, name, params in re.findall(r"ECKID_API\s+([\w\s*]+?)\s*\b(eckid_\w+)\s*\(([^)]*)\)",
                                           text):
        listed = [] if params.strip() == "void" else [untyped(p) for p in params.split(",")]
        functions[name] = [result] + listed
    structs = {name: [untyped(f) for f in body.split(";") if f.strip()]
               for name, body in re.findall(r"typedef struct (\w+) \{(.*?)\}", text, flags=re.S)}
    return functions, structs


def c_shape(ctype: str, enums: set, abi):
    """(ctypes type, pointer depth) of a C type; an eckid_* struct is the binding's class, an
    enum a c_int, a *_fn callback typedef the binding's CFUNCTYPE (eckid_log_fn: LOG_FN)."""
    depth = ctype.count("*")
    base = " ".join(w for w in ctype.replace("*", " ").split() if w not in ("const", "struct"))
    if base in enums:
        return ctypes.c_int, depth
    if base.endswith("_fn"):
        return getattr(abi, base.removeprefix("eckid_").upper(), base), depth
    return (SCALARS[base] if base in SCALARS else getattr(abi, base, base)), depth


def py_shape(ctype):
    """(ctypes type, pointer depth) of a ctypes type; c_void_p is (None, 1), any pointer."""
    depth = 0
    while isinstance(ctype, type) and issubclass(ctype, ctypes._Pointer):
        ctype, depth = ctype._type_, depth + 1
    if ctype is ctypes.c_char_p:
        return ctypes.c_char, depth + 1
    if ctype is ctypes.c_void_p:
        return None, depth + 1
    return ctype, depth


def same_shape(c, py) -> bool:
    """Whether a ctypes shape declares a C one (c_void_p stands for any pointer)."""
    return c[1] == py[1] and (c[0] is py[0] or (py[0] is None and py[1] > 0))


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

    enums = set(re.findall(r"typedef enum (\w+)", header))
    typed_functions, typed_structs = c_typed(header)
    for name, types in typed_functions.items():
        if name not in _abi.SIGNATURES:
            continue
        restype, argtypes = _abi.SIGNATURES[name]
        declared = [restype] + list(argtypes)
        if len(declared) != len(types):
            problems.append(f"_abi.py: {name} has {len(argtypes)} parameters, "
                            f"eckid.h {len(types) - 1}")
            continue
        for i, (ctype, pytype) in enumerate(zip(types, declared)):
            if not same_shape(c_shape(ctype, enums, _abi), py_shape(pytype)):
                what = "its return type" if i == 0 else f"parameter {i}"
                problems.append(f"_abi.py: {name} {what} is {pytype}, eckid.h '{ctype}'")
    for name, types in typed_structs.items():
        struct = getattr(_abi, name, None)
        if struct is None or len(struct._fields_) != len(types):
            continue  # reported above
        for (field, pytype), ctype in zip(struct._fields_, types):
            if not same_shape(c_shape(ctype, enums, _abi), py_shape(pytype)):
                problems.append(f"_abi.py: {name}.{field} is {pytype}, eckid.h '{ctype}'")

    for p in problems:
        print("check_declarations:", p)
    print(f"declarations: {len(h_functions)} functions, {len(h_structs)} structs, "
          f"{len(h_constants)} constants, {len(versions)} versions; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
