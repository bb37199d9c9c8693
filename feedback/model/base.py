"""What every theme model estimator shares, as scikit-learn's BaseEstimator has it.

Parameters are exactly the `__init__` arguments, stored unchanged under the same names;
`get_params` reads them from the signature, so no list is kept by hand. Learned state ends in
"_" and is set only by `fit` or when a saved model is loaded.
"""

from __future__ import annotations

import inspect
from typing import Any

from ..errors import Errors, ModelError, NotFittedError


class Estimator:
    """Base class: parameter introspection and the fitted check."""

    @classmethod
    def _param_names(cls) -> list[str]:
        """The `__init__` parameters, in signature order."""
        signature = inspect.signature(cls.__init__)
        return [p.name for p in signature.parameters.values()
                if p.name != "self" and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        """The estimator's parameters, as scikit-learn's get_params().

        deep (bool): Accepted for scikit-learn's signature; no parameter is an estimator.
        RETURNS (dict[str, Any]): Parameter name -> value, in signature order.
        """
        return {name: getattr(self, name) for name in self._param_names()}

    def set_params(self, **params: Any) -> Estimator:
        """Set parameters by name, as scikit-learn's set_params(); takes effect at the next fit.

        RETURNS (Estimator): self.
        RAISES (ModelError): A name that is not a parameter.
        """
        valid = self._param_names()
        for name, value in params.items():
            if name not in valid:
                raise ModelError(Errors.E208.format(param=name, name=type(self).__name__,
                                                    valid=", ".join(valid)))
            setattr(self, name, value)
        return self

    def __repr__(self) -> str:
        defaults = {name: p.default for name, p in inspect.signature(type(self).__init__).parameters.items()}
        changed = [f"{k}={v!r}" for k, v in self.get_params().items() if defaults.get(k, inspect.Parameter.empty) != v]
        return f"{type(self).__name__}({', '.join(changed)})"

    def _check_fitted(self, method: str, attribute: str) -> None:
        """RAISES (NotFittedError): `attribute`, set by fitting, is missing."""
        if not hasattr(self, attribute):
            raise NotFittedError(Errors.E207.format(name=type(self).__name__, method=method))
