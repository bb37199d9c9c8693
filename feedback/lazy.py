"""Lazy package facades (PEP 562): a package names its public objects and the modules that define
them, and each module is imported the first time one of its names is used. So `import feedback`
or `import feedback.model` costs nothing until something is used, and a light submodule (the
model's types, the report) never drags in the NLP stack through its package.
"""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str],
                 namespace: dict[str, Any]) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """The `__getattr__` and `__dir__` of a package whose names are imported on first use.

    package (str): The package's `__name__`.
    exports (dict[str, str]): Public name -> the module of the package that defines it.
    namespace (dict): The package's `globals()`; a name, once imported, is stored there, so later
        look-ups do not come back here.
    RETURNS (tuple): `__getattr__` and `__dir__` for the package.
    """

    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(f".{module}", package), name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted({*namespace, *exports})

    return __getattr__, __dir__
