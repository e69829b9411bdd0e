"""Build configuration for the optional native book (everything else is in pyproject.toml).

adapters/_book.c (with _tracker.c, _levels.c, _binance.c and _kraken.c) is plain C against the CPython API: it builds with setuptools and the
machine's C compiler alone, with nothing downloaded at build time (no Cython package,
no Rust crates). ``optional=True``: without a compiler the install still succeeds and
adapters.book falls back to the pure-Python reference book.
"""

from setuptools import Extension, setup

setup(
    ext_modules=[
        Extension(
            "adapters._book",
            sources=[
                "adapters/_book.c",
                "adapters/_tracker.c",
                "adapters/_levels.c",
                "adapters/_binance.c",
                "adapters/_kraken.c",
            ],
            depends=["adapters/_book.h", "adapters/_json.h"],
            extra_compile_args=["-O2", "-std=c11", "-Wall", "-Wextra", "-Wno-missing-field-initializers"],
            optional=True,
        )
    ]
)
