"""`cmake --install` of the build tree into a temporary DESTDIR, used as another build would use
an installed eckid: the installed files (the SONAME chain, header, eckid.pc, the CMake package),
the library's SONAME, and the C example of README.md ("Using the C ABI from a host") compiled as
its own translation unit and linked (a) with `pkg-config --cflags --libs eckid` and (b) by a
CMake project with find_package(eckid CONFIG REQUIRED) and eckid::eckid, then run: it prints
the version and takes the example's failure path on a configuration that does not exist. Last,
as on a machine with the runtime files only (libeckid.so removed), the Python and PHP bindings
find the library by its SONAME in the loader's path, without ECKID_LIBRARY.

With --installed the files are those of the Debian packages in a clean root (tests/packages):
nothing is installed or removed, the same checks run on the system's paths.

Expected values come from the sources (project version, ECKID_ABI_VERSION in eckid.h) and the
conventions abi/README.md names, never from the installed files themselves."""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tests/
from checks import check, run, summary  # noqa: E402

CFLAGS = ["-std=c11", "-Wall", "-Wextra", "-Wpedantic", "-Werror"]

# Calls the README's enrol() on a configuration file that does not exist.
MAIN_C = r"""#include <eckid/eckid.h>
#include <stdio.h>

int enrol(const char *config, const char *school, const char *pupil, const char *pgn);

int main(int argc, char **argv) {
  if (argc != 2) return 2;
  printf("eckid %s ABI %u\n", eckid_version(), eckid_abi_version());
  return enrol(argv[1], "school", "pupil", "pgn") == -1 ? 0 : 1;
}
"""

# Each binding loads the library without a path: its ABI version, printed.
PYTHON_LOAD = "from eckid import _abi; print(_abi.load().eckid_abi_version())"
PHP_LOAD = "require $argv[1]; echo EckId\\Abi::load()->eckid_abi_version(), \"\\n\";"

# find_package(eckid <request>) for each request, each answer printed.
REQUESTS_CMAKE = """cmake_minimum_required(VERSION 3.25)
project(requests LANGUAGES C)  # C: multiarch lib/<triplet>/cmake is searched
foreach(request IN LISTS REQUESTS)
  unset(eckid_FOUND)
  find_package(eckid ${request} CONFIG QUIET)
  message(STATUS "request ${request}: ${eckid_FOUND}")
endforeach()
"""

def readme_example(readme: Path) -> str:
    """The first C block of the section "Using the C ABI from a host"."""
    section = readme.read_text(encoding="utf-8").split("## Using the C ABI from a host\n", 1)[1]
    section = section.split("\n## ", 1)[0]
    return re.search(r"```c\n(.*?)```", section, flags=re.S).group(1)


def soname(elf: Path) -> list[str]:
    dynamic = run(["objdump", "-p", str(elf)]).stdout
    return re.findall(r"^\s*SONAME\s+(\S+)", dynamic, flags=re.M)


def check_program(program: Path, lib: Path, abi: str, version: str, how: str, tmp: Path) -> None:
    needed = re.findall(r"^\s*NEEDED\s+(\S+)", run(["objdump", "-p", str(program)]).stdout, re.M)
    check(f"libeckid.so.{abi}" in needed, f"{how}: the program needs libeckid.so.{abi} ({needed})")
    result = run([str(program), str(tmp / "missing.toml")],
                 env=dict(os.environ, LD_LIBRARY_PATH=str(lib)))
    check(result.returncode == 0 and result.stdout == f"eckid {version} ABI {abi}\n",
          f"{how}: the example runs on the installed library ({result.stdout.strip()!r})")
    check(result.stderr.startswith("open: "),
          f"{how}: the example reports eckid_open's error ({result.stderr.strip()!r})")


def main() -> int:
    parser = argparse.ArgumentParser()
    for option in ("readme", "header", "prefix", "libdir", "includedir", "version", "cc",
                   "cmake", "pkg-config"):
        parser.add_argument("--" + option, required=True)
    for option in ("build", "python-binding", "php", "php-binding", "ffi-header"):
        parser.add_argument("--" + option)  # cmake --install from a build tree only
    parser.add_argument("--installed", action="store_true",
                        help="check the files already installed under / (Debian packages)")
    a = parser.parse_args()
    if not a.installed and None in (a.build, a.python_binding, a.php, a.php_binding, a.ffi_header):
        parser.error("--build, --python-binding, --php, --php-binding and --ffi-header are "
                     "needed unless --installed")
    abi = re.search(r"^#define ECKID_ABI_VERSION (\d+)$", Path(a.header).read_text(), re.M).group(1)

    with tempfile.TemporaryDirectory(prefix="eckid-install-") as tmp_name:
        tmp = Path(tmp_name)
        if a.installed:
            destdir = Path("/")
            root = Path(a.prefix)
        else:
            destdir = tmp / "root"
            installed = run([a.cmake, "--install", a.build],
                            env=dict(os.environ, DESTDIR=str(destdir)))
            check(installed.returncode == 0, "cmake --install into a DESTDIR")
            root = Path(str(destdir) + a.prefix)
        lib, include = root / a.libdir, root / a.includedir

        # The runtime chain libeckid.so -> libeckid.so.<ABI> -> libeckid.so.<ABI>.<version>.
        real = f"libeckid.so.{abi}.{a.version}"
        check((lib / "libeckid.so").is_symlink()
              and os.readlink(lib / "libeckid.so") == f"libeckid.so.{abi}",
              f"libeckid.so (development) is a symlink to libeckid.so.{abi}")
        check((lib / f"libeckid.so.{abi}").is_symlink()
              and os.readlink(lib / f"libeckid.so.{abi}") == real,
              f"libeckid.so.{abi} (the SONAME) is a symlink to {real}")
        check((lib / real).is_file() and not (lib / real).is_symlink(), f"{real} is the file")
        check((lib / real).is_file() and soname(lib / real) == [f"libeckid.so.{abi}"],
              f"its SONAME is libeckid.so.{abi}")
        check((include / "eckid/eckid.h").read_bytes() == Path(a.header).read_bytes(),
              "the header is eckid/eckid.h under the includedir")
        for dev_file in ("pkgconfig/eckid.pc", "cmake/eckid/eckidConfig.cmake",
                         "cmake/eckid/eckidConfigVersion.cmake"):
            check((lib / dev_file).is_file(), f"{dev_file} is under the libdir")

        (tmp / "example.c").write_text(readme_example(Path(a.readme)), encoding="utf-8")
        (tmp / "main.c").write_text(MAIN_C, encoding="utf-8")

        # (a) pkg-config, with the DESTDIR as its sysroot (eckid.pc names the real prefix); a
        # package install is found on pkg-config's own path.
        env = dict(os.environ) if a.installed else dict(
            os.environ, PKG_CONFIG_PATH=str(lib / "pkgconfig"), PKG_CONFIG_SYSROOT_DIR=str(destdir))
        modversion = run([a.pkg_config, "--modversion", "eckid"], env=env).stdout.strip()
        check(modversion == a.version, f"pkg-config --modversion eckid is {a.version}")
        flags = run([a.pkg_config, "--cflags", "--libs", "eckid"], env=env).stdout.split()
        built = run([a.cc, *CFLAGS, str(tmp / "example.c"), str(tmp / "main.c"), *flags,
                     "-o", str(tmp / "with_pkg_config")])
        check(built.returncode == 0, f"the README's example builds with pkg-config ({flags})")
        if built.returncode == 0:
            check_program(tmp / "with_pkg_config", lib, abi, a.version, "pkg-config", tmp)

        # (b) find_package(eckid CONFIG REQUIRED) and the imported target eckid::eckid.
        consumer = tmp / "consumer"
        consumer.mkdir()
        (consumer / "CMakeLists.txt").write_text(
            "cmake_minimum_required(VERSION 3.25)\nproject(consumer LANGUAGES C)\n"
            "set(CMAKE_C_STANDARD 11)\nset(CMAKE_C_STANDARD_REQUIRED ON)\n"
            f"find_package(eckid {a.version} CONFIG REQUIRED)\n"
            f"add_executable(with_cmake {tmp / 'example.c'} {tmp / 'main.c'})\n"
            "target_compile_options(with_cmake PRIVATE -Wall -Wextra -Wpedantic -Werror)\n"
            "target_link_libraries(with_cmake PRIVATE eckid::eckid)\n", encoding="utf-8")
        configured = run([a.cmake, "-S", str(consumer), "-B", str(consumer / "build"),
                          f"-DCMAKE_C_COMPILER={a.cc}", f"-DCMAKE_PREFIX_PATH={root}"])
        built = run([a.cmake, "--build", str(consumer / "build")]) \
            if configured.returncode == 0 else configured
        check(built.returncode == 0, "the README's example builds with find_package(eckid)")
        if built.returncode == 0:
            check_program(consumer / "build/with_cmake", lib, abi, a.version, "CMake", tmp)

        # Which versions find_package(eckid <version>) accepts (abi/README.md): those of this ABI
        # up to this one; 0.0.1 came before ABI 2 (the first packaged ABI, from 0.1.0).
        requests = tmp / "requests"
        requests.mkdir()
        (requests / "CMakeLists.txt").write_text(REQUESTS_CMAKE, encoding="utf-8")
        want = {"0.0.1": "0", a.version: "1", f"0.1...<{int(a.version.split('.')[0]) + 1}": "1",
                "99": "0"}
        answers = run([a.cmake, "-S", str(requests), "-B", str(requests / "build"),
                       f"-DCMAKE_PREFIX_PATH={root}", "-DREQUESTS=" + ";".join(want)]).stdout
        got = dict(re.findall(r"-- request (\S+): (\d?)", answers))
        check(got == want, f"find_package(eckid <version>) accepts {want} ({got})")

        # The runtime files only: the bindings fall back to libeckid.so.<ABI>. (In a package
        # install, tests/packages runs the bindings before libeckid-dev is installed.)
        if a.installed:
            return summary()
        (lib / "libeckid.so").unlink()
        env = {k: v for k, v in os.environ.items() if k != "ECKID_LIBRARY"}
        env.update(LD_LIBRARY_PATH=str(lib), PYTHONPATH=a.python_binding,
                   ECKID_FFI_HEADER=a.ffi_header)
        for name, command in (("Python", [sys.executable, "-c", PYTHON_LOAD]),
                              ("PHP", [a.php, "-d", "ffi.enable=true", "-r", PHP_LOAD,
                                       a.php_binding])):
            loaded = run(command, env=env)
            check(loaded.returncode == 0 and loaded.stdout == f"{abi}\n",
                  f"the {name} binding loads libeckid.so.{abi} without libeckid.so")

    return summary()


if __name__ == "__main__":
    sys.exit(main())
