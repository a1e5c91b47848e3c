"""scikit-learn integration: estimators as flows and back, and runs on a task's splits.

Example:
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn.svm import SVC
    >>> from mlhive.sklearn import estimator_to_flow, flow_to_estimator
    >>> flow = estimator_to_flow(make_pipeline(StandardScaler(), SVC()))
    >>> flow.name
    'sklearn.pipeline.Pipeline(standardscaler=sklearn.preprocessing._data.StandardScaler,svc=sklearn.svm._classes.SVC)'
    >>> flow_to_estimator(flow)
    Pipeline(steps=[('standardscaler', StandardScaler()), ('svc', SVC())])
"""

from __future__ import annotations

from mlhive.sklearn.errors import DisallowedImportError, FlowConversionError, FoldError
from mlhive.sklearn.flows import (
    check_flow_matches,
    estimator_to_flow,
    flow_to_estimator,
    parameter_settings,
)
from mlhive.sklearn.runner import Fold, TaskType, run_on_splits

__all__ = [
    "DisallowedImportError",
    "FlowConversionError",
    "Fold",
    "FoldError",
    "TaskType",
    "check_flow_matches",
    "estimator_to_flow",
    "flow_to_estimator",
    "parameter_settings",
    "run_on_splits",
]
