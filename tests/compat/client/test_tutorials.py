"""openml-python's own tutorials (v0.15.1, ``examples/``), step by step, against mlhive.

Each test makes one tutorial's calls in the tutorial's order and with its arguments; only the
ids and names of openml.org's objects (task 403, dataset "iris", suite "OpenML-CC18", …) are
replaced by mlhive objects made in :func:`world`, and the example configuration
(``start_using_configuration_for_example``, which switches to OpenML's test server) is pointed
at the live mlhive. Their plots are drawn with matplotlib's off-screen backend. A large forest
becomes a smaller one, to keep the suite fast. docs/openml-compat.md lists every tutorial,
which of them run here, and why the others do not.
"""

# The tutorials' calls are kept as they make them (their dict() keywords, their unpacked names).
# ruff: noqa: C408, RUF059
from __future__ import annotations

import logging
import uuid
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib
import numpy as np
import openml
import pandas as pd
import pytest
from openml.exceptions import OpenMLServerException
from openml.tasks import TaskType

from conftest import Server, publish_frame, wait_until

matplotlib.use("Agg")  # the tutorials' plots are drawn, off screen
import matplotlib.pyplot as plt

pytestmark = [
    pytest.mark.filterwarnings("ignore:Switching to the test server:UserWarning"),
    # the tutorials end their plots with plt.show(), which the off-screen backend cannot do
    pytest.mark.filterwarnings("ignore:FigureCanvasAgg is non-interactive:UserWarning"),
]


@dataclass
class World:
    """mlhive's stand-ins for the openml.org objects the tutorials name."""

    iris: int  # dataset: "iris", "eeg-eye-state", "diabetes" (numeric, three classes)
    iris_name: str
    credit: int  # dataset: "credit-g" (nominal and numeric columns, missing values, a task)
    credit_name: str
    iris_task: int  # 10-fold cross-validation: tasks 403, 119, 1200, 31, 3
    credit_task: int  # 10-fold cross-validation with nominal features: tasks 96, 6
    holdout_task: int  # 33% holdout: task 233
    repeated_task: int  # 5 times 2-fold: task 1767
    curve_task: int  # learning curve: task 1702
    flows_task: int  # a holdout task for runs of many flows: tasks 167140, 6
    four_fold_task: int  # 4-fold cross-validation: task 167119
    suite_alias: str  # "OpenML-CC18", "OpenML100"
    suite_tasks: list[int]
    task_tag: str  # "OpenML100" as a task tag
    study: int  # a study of runs: study 123


def _iris_like(rows: int = 150) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    label = np.repeat(["setosa", "versicolor", "virginica"], rows // 3)
    shift = np.repeat([0.0, 1.5, 3.0], rows // 3)
    return pd.DataFrame(
        {
            "sepallength": np.round(5 + shift / 2 + rng.normal(scale=0.4, size=rows), 1),
            "sepalwidth": np.round(3 + rng.normal(scale=0.3, size=rows), 1),
            "petallength": np.round(1.5 + shift + rng.normal(scale=0.3, size=rows), 1),
            "petalwidth": np.round(0.2 + shift / 3 + rng.normal(scale=0.2, size=rows), 1),
            "class": pd.Categorical(label),
        }
    )


def _credit_like(rows: int = 120) -> pd.DataFrame:
    rng = np.random.default_rng(5)
    amount = rng.gamma(2.0, 1500.0, size=rows).round()
    frame = pd.DataFrame(
        {
            "checking_status": pd.Categorical(rng.choice(["<0", "0<=X<200", "no checking"], rows)),
            "duration": rng.integers(6, 60, size=rows).astype(float),
            "purpose": pd.Categorical(rng.choice(["radio/tv", "education", "car"], rows)),
            "credit_amount": amount,
            "shape": pd.Categorical(rng.choice(["round", "square"], rows)),
            "class": pd.Categorical(
                np.where(amount + rng.normal(0, 900, rows) > 3000, "bad", "good")
            ),
        }
    )
    frame.loc[::11, "duration"] = np.nan
    return frame


def _task(
    dataset_id: int,
    target: str,
    procedure: int,
    kind: TaskType = TaskType.SUPERVISED_CLASSIFICATION,
) -> int:
    task = openml.tasks.create_task(
        task_type=kind,
        dataset_id=dataset_id,
        target_name=target,
        estimation_procedure_id=procedure,
        evaluation_measure="predictive_accuracy"
        if kind != TaskType.SUPERVISED_REGRESSION
        else None,
    )
    task.publish()
    return int(task.id)


@pytest.fixture(scope="module")
def world(server: Server) -> World:
    tag = uuid.uuid4().hex[:8]
    iris_name, credit_name = f"tutorial-iris-{tag}", f"tutorial-credit-{tag}"
    iris = publish_frame(_iris_like(), iris_name, "class")
    credit = publish_frame(_credit_like(), credit_name, "class")
    iris_task = _task(iris, "class", 1)
    credit_task = _task(credit, "class", 1)
    holdout_task = _task(iris, "class", 6)
    repeated_task = _task(iris, "class", 2)
    curve_task = _task(iris, "class", 13, TaskType.LEARNING_CURVE)
    # suites_tutorial.py draws 20 distinct tasks from the task list: make enough of them.
    flows_task = _task(iris, "class", 5)
    four_fold_task = _task(iris, "class", 25)
    for procedure in (3, 26, 28):
        _task(iris, "class", procedure)
    for procedure in (2, 3, 5, 6, 25, 26, 28):
        _task(credit, "class", procedure)
    _task(credit, "class", 13, TaskType.LEARNING_CURVE)
    for procedure in (7, 8, 12):
        _task(iris, "petalwidth", procedure, TaskType.SUPERVISED_REGRESSION)
    task_tag = f"tutorial-100-{tag}"
    openml.tasks.get_task(iris_task, download_splits=False).push_tag(task_tag)
    suite_tasks = [iris_task, holdout_task, repeated_task]  # numeric, as the tutorials' are
    suite_alias = f"tutorial-suite-{tag}"
    openml.study.create_benchmark_suite(
        name="Tutorial suite", description="three tasks", task_ids=suite_tasks, alias=suite_alias
    ).publish()
    from sklearn.neighbors import KNeighborsClassifier

    run = openml.runs.run_model_on_task(
        KNeighborsClassifier(n_neighbors=3),
        openml.tasks.get_task(iris_task),
        avoid_duplicate_runs=False,
    ).publish()
    run_id = int(run.run_id)
    wait_until(lambda: openml.runs.get_run(run_id, ignore_cache=True).evaluations)
    study = openml.study.create_study(
        name="Tutorial study",
        description="one run",
        run_ids=[run_id],
        alias=f"tutorial-study-{tag}",
    ).publish()
    return World(
        iris=iris,
        iris_name=iris_name,
        credit=credit,
        credit_name=credit_name,
        iris_task=iris_task,
        credit_task=credit_task,
        holdout_task=holdout_task,
        repeated_task=repeated_task,
        curve_task=curve_task,
        flows_task=flows_task,
        four_fold_task=four_fold_task,
        suite_alias=suite_alias,
        suite_tasks=suite_tasks,
        task_tag=task_tag,
        study=int(study.id),
    )


@pytest.fixture(autouse=True)
def example_server(server: Server, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """``start_using_configuration_for_example`` switches to mlhive, not OpenML's test server."""
    examples = openml.config.ConfigurationForExamples
    monkeypatch.setattr(examples, "_test_server", server.openml_url)
    monkeypatch.setattr(examples, "_test_apikey", server.api_key)
    yield
    plt.close("all")
    if openml.config.server != server.openml_url:  # a tutorial that failed before switching back
        openml.config.stop_using_configuration_for_example()


def _evaluated(run_id: int) -> dict[str, float]:
    evaluations: dict[str, float] = wait_until(
        lambda: openml.runs.get_run(run_id, ignore_cache=True).evaluations
    )
    return evaluations


# 20_basic -------------------------------------------------------------------------------------


def test_introduction_tutorial(world: World) -> None:
    from sklearn import neighbors

    openml.config.start_using_configuration_for_example()
    task = openml.tasks.get_task(world.iris_task)
    data = openml.datasets.get_dataset(task.dataset_id)
    clf = neighbors.KNeighborsClassifier(n_neighbors=5)
    run = openml.runs.run_model_on_task(clf, task, avoid_duplicate_runs=False)
    myrun = run.publish()
    assert data.name == world.iris_name
    assert myrun.openml_url.endswith(f"/r/{myrun.run_id}")
    openml.config.stop_using_configuration_for_example()
    assert 0.8 < _evaluated(myrun.run_id)["predictive_accuracy"] <= 1.0


def test_simple_datasets_tutorial(world: World) -> None:
    datasets_df = openml.datasets.list_datasets(output_format="dataframe")
    assert world.iris in set(datasets_df["did"])
    dataset = openml.datasets.get_dataset(dataset_id=world.iris_name, version=1)
    assert (dataset.dataset_id, dataset.default_target_attribute) == (world.iris, "class")
    assert dataset.url.endswith(".arff")
    assert "uploaded by the compatibility tests" in dataset.description[:500]
    X, y, categorical_indicator, attribute_names = dataset.get_data(
        dataset_format="dataframe", target=dataset.default_target_attribute
    )
    openml.config.show_progress = True
    try:
        import seaborn as sns

        sns.set_style("darkgrid")

        def hide_current_axis(*args: Any, **kwds: Any) -> None:
            plt.gca().set_visible(False)

        combined_data = pd.concat([X, y], axis=1)
        iris_plot = sns.pairplot(combined_data, hue="class")
        iris_plot.map_upper(hide_current_axis)
        plt.show()
    finally:
        openml.config.show_progress = False
        sns.reset_orig()
    assert combined_data.shape == (150, 5)
    assert iris_plot.axes.shape == (4, 4)
    assert [text.get_text() for text in iris_plot.legend.texts] == [
        "setosa",
        "versicolor",
        "virginica",
    ]
    assert set(y) == {"setosa", "versicolor", "virginica"}
    assert categorical_indicator == [False] * 4
    assert attribute_names == ["sepallength", "sepalwidth", "petallength", "petalwidth"]


def test_simple_flows_and_runs_tutorial(world: World) -> None:
    from sklearn import ensemble, neighbors

    openml.config.start_using_configuration_for_example()
    dataset = openml.datasets.get_dataset(dataset_id=world.iris_name, version=1)
    X, y, categorical_indicator, attribute_names = dataset.get_data(
        target=dataset.default_target_attribute
    )
    clf = neighbors.KNeighborsClassifier(n_neighbors=3)
    clf.fit(X, y)
    task = openml.tasks.get_task(world.iris_task)
    clf = ensemble.RandomForestClassifier(n_estimators=20)  # the tutorial's default is 100 trees
    run = openml.runs.run_model_on_task(clf, task)
    assert "Local Result - Accuracy" in str(run)
    myrun = run.publish()
    assert myrun.openml_url.endswith(f"/r/{myrun.run_id}")
    assert myrun.flow.openml_url.endswith(f"/f/{myrun.flow_id}")
    openml.config.stop_using_configuration_for_example()
    assert (
        openml.flows.get_flow(myrun.flow_id).name
        == "sklearn.ensemble._forest.RandomForestClassifier"
    )


def test_simple_suites_tutorial(world: World) -> None:
    suite = openml.study.get_suite(world.suite_alias)
    assert "Tutorial suite" in str(suite)
    tasks = suite.tasks
    assert tasks == world.suite_tasks
    for task_id in tasks[:3]:
        task = openml.tasks.get_task(task_id)
        assert f"Task ID..............: {task_id}" in str(task)


# 30_extended ----------------------------------------------------------------------------------


def test_configure_logging(world: World, caplog: pytest.LogCaptureFixture) -> None:
    openml.datasets.get_dataset(world.iris_name, version=1)
    before = (openml.config.console_handler.level, openml.config.file_handler.level)  # type: ignore[union-attr]
    try:
        openml.config.set_console_log_level(logging.DEBUG)
        openml.config.set_file_log_level(logging.WARNING)
        with caplog.at_level(logging.DEBUG):  # openml-python logs its requests on the root logger
            openml.datasets.get_dataset(world.iris_name, version=1)
    finally:
        openml.config.set_console_log_level(before[0])
        openml.config.set_file_log_level(before[1])
    assert any("/data/list/data_name/" in record.getMessage() for record in caplog.records)


def _diabetes() -> tuple[np.ndarray, list[tuple[str, str]], str]:
    import sklearn.datasets

    diabetes = sklearn.datasets.load_diabetes()
    data = np.concatenate((diabetes.data, diabetes.target.reshape((-1, 1))), axis=1)
    attributes = [(name, "REAL") for name in diabetes.feature_names] + [("class", "INTEGER")]
    return data, attributes, diabetes.DESCR


WEATHER = [
    ["sunny", 85, 85, "FALSE", "no"],
    ["sunny", 80, 90, "TRUE", "no"],
    ["overcast", 83, 86, "FALSE", "yes"],
    ["rainy", 70, 96, "FALSE", "yes"],
    ["rainy", 68, 80, "FALSE", "yes"],
    ["rainy", 65, 70, "TRUE", "no"],
    ["overcast", 64, 65, "TRUE", "yes"],
    ["sunny", 72, 95, "FALSE", "no"],
    ["sunny", 69, 70, "FALSE", "yes"],
    ["rainy", 75, 80, "FALSE", "yes"],
    ["sunny", 75, 70, "TRUE", "yes"],
    ["overcast", 72, 90, "TRUE", "yes"],
    ["overcast", 81, 75, "FALSE", "yes"],
    ["rainy", 71, 91, "TRUE", "no"],
]
WEATHER_ATTRIBUTES: list[tuple[str, Any]] = [
    ("outlook", ["sunny", "overcast", "rainy"]),
    ("temperature", "REAL"),
    ("humidity", "REAL"),
    ("windy", ["TRUE", "FALSE"]),
    ("play", ["yes", "no"]),
]


def _create(**fields: Any) -> Any:
    common = dict(
        contributor=None, row_id_attribute=None, ignore_attribute=None, language="English"
    )
    return openml.datasets.functions.create_dataset(**common, **fields)


def _active(dataset_id: int) -> openml.OpenMLDataset:
    wait_until(
        lambda: len(
            openml.datasets.list_datasets(
                data_id=[dataset_id], status="all", output_format="dataframe"
            ).query("status == 'active'")
        )
    )
    return openml.datasets.get_dataset(dataset_id, download_data=True, download_qualities=True)


def test_create_upload_tutorial_dense_parts() -> None:
    """Its numpy, list and pandas uploads; the sparse ones are the next test."""
    openml.config.start_using_configuration_for_example()
    data, attributes, description = _diabetes()
    diabetes_dataset = _create(
        name="Diabetes(scikit-learn)",
        description=description,
        creator="Bradley Efron, Trevor Hastie, Iain Johnstone and Robert Tibshirani",
        collection_date="09-01-2012",
        licence="BSD (from scikit-learn)",
        default_target_attribute="class",
        citation="Efron et al. (2004) Least Angle Regression",
        attributes=attributes,
        data=data,
        version_label="test",
        original_data_url="https://www4.stat.ncsu.edu/~boos/var.select/diabetes.html",
        paper_url="https://web.stanford.edu/~hastie/Papers/LARS/LeastAngle_2002.pdf",
    )
    diabetes_dataset.publish()
    assert diabetes_dataset.openml_url.endswith(f"/d/{diabetes_dataset.id}")
    weather_dataset = _create(
        name="Weather",
        description="The weather problem",
        creator="I. H. Witten, E. Frank, M. A. Hall, and ITPro",
        collection_date="01-01-2011",
        licence=None,
        default_target_attribute="play",
        citation="Witten et al., Data mining",
        attributes=WEATHER_ATTRIBUTES,
        data=WEATHER,
        version_label="example",
    )
    weather_dataset.publish()
    df = pd.DataFrame(WEATHER, columns=[name for name, _ in WEATHER_ATTRIBUTES])
    df["outlook"] = df["outlook"].astype("category")
    df["windy"] = df["windy"].astype("bool")
    df["play"] = df["play"].astype("category")
    weather_frame = _create(
        name="Weather",
        description="The weather problem",
        creator="I. H. Witten, E. Frank, M. A. Hall, and ITPro",
        collection_date="01-01-2011",
        licence=None,
        default_target_attribute="play",
        citation="Witten et al., Data mining",
        attributes="auto",
        data=df,
        version_label="example",
    )
    weather_frame.publish()
    openml.config.stop_using_configuration_for_example()

    diabetes = _active(int(diabetes_dataset.id))
    X, y, _, names = diabetes.get_data(target="class")
    assert X.shape == (442, 10) and names[0] == "age"
    assert y.tolist()[:3] == [151, 75, 141]
    assert diabetes.paper_url == "https://web.stanford.edu/~hastie/Papers/LARS/LeastAngle_2002.pdf"
    weather = _active(int(weather_dataset.id)).get_data()[0]
    assert weather.shape == (14, 5) and weather["play"].value_counts()["yes"] == 9
    # The second "Weather" is the next version of the name.
    assert _active(int(weather_frame.id)).version == _active(int(weather_dataset.id)).version + 1


def test_create_upload_tutorial_sparse_parts() -> None:
    from scipy.sparse import coo_matrix

    openml.config.start_using_configuration_for_example()
    try:
        sparse_data = coo_matrix(
            ([0.0, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0], ([0, 1, 1, 2, 2, 3, 3], [0, 1, 2, 0, 2, 0, 1]))
        )
        xor_dataset = _create(
            name="XOR",
            description="Dataset representing the XOR operation",
            creator=None,
            collection_date=None,
            licence=None,
            default_target_attribute="y",
            citation=None,
            attributes=[("input1", "REAL"), ("input2", "REAL"), ("y", "REAL")],
            data=sparse_data,
            version_label="example",
        )
        xor_dataset.publish()
        sparse_data = coo_matrix(
            ([1.0, 0.0, 1.0, 1.0, 1.0, 1.0, 1.0], ([0, 1, 1, 2, 2, 3, 3], [0, 1, 2, 0, 2, 0, 1]))
        )
        df = pd.DataFrame.sparse.from_spmatrix(sparse_data, columns=["input1", "input2", "y"])
        xor_frame = _create(
            name="XOR",
            description="Dataset representing the XOR operation",
            creator=None,
            collection_date=None,
            licence=None,
            default_target_attribute="y",
            citation=None,
            attributes="auto",
            data=df,
            version_label="example",
        )
        xor_frame.publish()
    finally:
        openml.config.stop_using_configuration_for_example()
    assert _active(int(xor_frame.id)).get_data()[0].shape == (4, 3)


def test_custom_flow_tutorial(world: World) -> None:
    from openml.runs.functions import format_prediction
    from sklearn.tree import DecisionTreeClassifier

    tool = openml.extensions.get_extension_by_model(DecisionTreeClassifier()).model_to_flow(
        DecisionTreeClassifier()
    )
    tool_id = openml.flows.flow_exists(tool.name, tool.external_version) or tool.publish().flow_id
    openml.config.start_using_configuration_for_example()
    general = dict(
        name=f"automlbenchmark_tool_{uuid.uuid4().hex[:8]}",
        description="A tool as set up by a benchmark",
        external_version="amlb==0.9",
        language="English",
        tags=["amlb", "benchmark", "study_218"],
        dependencies="amlb==0.9",
    )
    flow_hyperparameters = dict(
        parameters=OrderedDict(time="240", memory="32", cores="8"),
        parameters_meta_info=OrderedDict(
            cores=OrderedDict(description="number of available cores", data_type="int"),
            memory=OrderedDict(description="memory in gigabytes", data_type="int"),
            time=OrderedDict(description="time in minutes", data_type="int"),
        ),
    )
    tool_flow = openml.flows.get_flow(tool_id)
    subflow = dict(components=OrderedDict(automl_tool=tool_flow))
    amlb_flow = openml.flows.OpenMLFlow(**general, **flow_hyperparameters, **subflow, model=None)
    amlb_flow.publish()
    flow_id = amlb_flow.flow_id
    parameters = [
        OrderedDict([("oml:name", "cores"), ("oml:value", 4), ("oml:component", flow_id)]),
        OrderedDict([("oml:name", "memory"), ("oml:value", 16), ("oml:component", flow_id)]),
        OrderedDict([("oml:name", "time"), ("oml:value", 120), ("oml:component", flow_id)]),
    ]
    task_id = world.iris_task
    task = openml.tasks.get_task(task_id)
    dataset_id = task.get_dataset().dataset_id
    n_repeats, n_folds, _ = task.get_split_dimensions()
    all_test_indices = [
        (repeat, fold, index)
        for repeat in range(n_repeats)
        for fold in range(n_folds)
        for index in task.get_train_test_split_indices(fold, repeat)[1]
    ]
    r = np.random.default_rng(0).random((150 * n_repeats, 3))
    y_proba = r / r.sum(axis=1).reshape(-1, 1)
    y_pred = y_proba.argmax(axis=1)
    class_map = dict(zip(range(3), task.class_labels, strict=True))
    _, y_true = task.get_X_and_y()
    y_true = [class_map[y] for y in y_true]
    predictions = []
    for where, y, yp, proba in zip(all_test_indices, y_true, y_pred, y_proba, strict=True):
        repeat, fold, index = where
        prediction = format_prediction(
            task=task,
            repeat=repeat,
            fold=fold,
            index=index,
            prediction=class_map[yp],
            truth=y,
            proba=dict(zip(task.class_labels, proba, strict=True)),
        )
        predictions.append(prediction)
    my_run = openml.runs.OpenMLRun(
        task_id=task_id,
        flow_id=flow_id,
        dataset_id=dataset_id,
        parameter_settings=parameters,
        setup_string="python3 runbenchmark.py tool medium -m aws -t 119",
        data_content=predictions,
        tags=["study_218"],
        description_text="Run generated by the Custom Flow tutorial.",
    )
    my_run.publish()
    openml.config.stop_using_configuration_for_example()

    flow = openml.flows.get_flow(flow_id)
    assert flow.components["automl_tool"].flow_id == tool_id
    assert dict(flow.parameters) == {"cores": "8", "memory": "32", "time": "240"}
    run = openml.runs.get_run(my_run.run_id, ignore_cache=True)
    assert (run.flow_id, run.task_id) == (flow_id, task_id)
    assert "study_218" in run.tags
    accuracy = _evaluated(my_run.run_id)["predictive_accuracy"]
    assert 0.0 < accuracy < 0.7  # random predictions over three classes


def test_datasets_tutorial(world: World) -> None:
    datalist = openml.datasets.list_datasets(output_format="dataframe")
    datalist = datalist[["did", "name", "NumberOfInstances", "NumberOfFeatures", "NumberOfClasses"]]
    assert world.iris not in set(datalist[datalist.NumberOfInstances > 10000].did)
    found = datalist.query(f'name == "{world.iris_name}"')
    assert found[["NumberOfInstances", "NumberOfFeatures", "NumberOfClasses"]].values.tolist() == [
        [150, 5, 3]
    ]
    assert world.iris not in set(datalist.query("NumberOfClasses > 50").did)
    dataset = openml.datasets.get_dataset(dataset_id=world.iris_name, version=1)
    assert dataset.default_target_attribute == "class"
    eeg, *_ = dataset.get_data()
    X, y, categorical_indicator, attribute_names = dataset.get_data(
        target=dataset.default_target_attribute
    )
    assert eeg.shape == (150, 5) and X.shape == (150, 4)
    dataset = openml.datasets.get_dataset(
        dataset_id=world.iris_name, version=1, download_data=False
    )
    eegs = eeg.sample(n=100)  # the tutorial samples 1000 of its 15000 rows
    assert len(eegs) == 100
    # (the tutorial's scatter matrix needs matplotlib)
    openml.config.start_using_configuration_for_example()
    desc = "Three kinds of iris, their petal and sepal length and width"
    data_id = openml.datasets.edit_dataset(
        world.iris,
        description=desc,
        creator="R.A.Fisher",
        collection_date="1937",
        citation="The use of multiple measurements in taxonomic problems",
        language="English",
    )
    edited_dataset = openml.datasets.get_dataset(data_id)
    assert edited_dataset.dataset_id == world.iris
    edited_dataset = openml.datasets.get_dataset(data_id, force_refresh_cache=True)  # cached above
    assert (edited_dataset.description, edited_dataset.creator) == (desc, "R.A.Fisher")
    with pytest.raises(OpenMLServerException) as refused:  # the tutorial prints this error
        openml.datasets.edit_dataset(world.credit, default_target_attribute="shape")
    assert refused.value.code == 1066
    data_id = openml.datasets.fork_dataset(world.credit)
    data_id = openml.datasets.edit_dataset(data_id, default_target_attribute="shape")
    openml.config.stop_using_configuration_for_example()
    forked = openml.datasets.get_dataset(data_id, force_refresh_cache=True)
    assert data_id != world.credit and forked.default_target_attribute == "shape"


def _publish_runs(task_id: int, models: list[Any]) -> list[int]:
    task = openml.tasks.get_task(task_id)
    run_ids = [
        int(openml.runs.run_model_on_task(m, task, avoid_duplicate_runs=False).publish().run_id)
        for m in models
    ]
    for run_id in run_ids:
        _evaluated(run_id)
    return run_ids


@pytest.fixture(scope="module")
def ten_flows(world: World) -> list[int]:
    """Runs of ten flows on one task, as openml.org's task 167140 has (and many more)."""
    from sklearn.discriminant_analysis import LinearDiscriminantAnalysis
    from sklearn.dummy import DummyClassifier
    from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.svm import SVC
    from sklearn.tree import DecisionTreeClassifier, ExtraTreeClassifier

    models = [
        KNeighborsClassifier(),
        DecisionTreeClassifier(),
        ExtraTreeClassifier(),
        GaussianNB(),
        LogisticRegression(max_iter=1000),
        RandomForestClassifier(n_estimators=5),
        ExtraTreesClassifier(n_estimators=5),
        DummyClassifier(),
        LinearDiscriminantAnalysis(),
        SVC(gamma=0.1),
    ]
    return _publish_runs(world.flows_task, models)


def test_fetch_evaluations_tutorial(world: World, ten_flows: list[int]) -> None:
    listed = openml.evaluations.list_evaluations(
        function="predictive_accuracy", size=10, output_format="dataframe"
    )
    assert len(listed) == 10
    evals = openml.evaluations.list_evaluations(
        function="precision", size=10, output_format="dataframe"
    )
    assert set(evals[evals.value > 0.98].function) <= {"precision"}
    task_id = world.flows_task
    task = openml.tasks.get_task(task_id)
    assert task.task_id == task_id
    metric = "predictive_accuracy"
    evals = openml.evaluations.list_evaluations(
        function=metric, tasks=[task_id], output_format="dataframe"
    )
    evals = evals.sort_values(by="value", ascending=False)
    assert sorted(evals.run_id) == sorted(ten_flows)

    def plot_cdf(values: Any, metric: str = "predictive_accuracy") -> None:
        max_val = max(values)
        n, bins, patches = plt.hist(
            values, density=True, histtype="step", cumulative=True, linewidth=3
        )
        patches[0].set_xy(patches[0].get_xy()[:-1])
        plt.xlim(max(0, min(values) - 0.1), 1)
        plt.title("CDF")
        plt.xlabel(metric)
        plt.ylabel("Likelihood")
        plt.grid(visible=True, which="major", linestyle="-")
        plt.minorticks_on()
        plt.grid(visible=True, which="minor", linestyle="--")
        plt.axvline(max_val, linestyle="--", color="gray")
        plt.text(max_val, 0, f"{max_val:.3f}", fontsize=9)
        plt.show()

    plot_cdf(evals.value, metric)

    def plot_flow_compare(evaluations: Any, top_n: int = 10, metric: str = metric) -> Any:
        flow_ids = evaluations.flow_id.unique()[:top_n]
        df = pd.DataFrame()
        for i in range(len(flow_ids)):
            flow_values = evaluations[evaluations.flow_id == flow_ids[i]].value
            df = pd.concat([df, flow_values], ignore_index=True, axis=1)
        fig, axs = plt.subplots()
        df.boxplot()
        axs.set_title("Boxplot comparing " + metric + " for different flows")
        axs.set_ylabel(metric)
        axs.set_xlabel("Flow ID")
        axs.set_xticklabels(flow_ids)
        axs.grid(which="major", linestyle="-", linewidth="0.5", color="gray", axis="y")
        axs.minorticks_on()
        axs.grid(which="minor", linestyle="--", linewidth="0.5", color="gray", axis="y")
        flow_freq = list(df.count(axis=0, numeric_only=True))
        for i in range(len(flow_ids)):
            axs.text(i + 1.05, np.nanmin(df.values), str(flow_freq[i]) + "\nrun(s)", fontsize=7)
        plt.show()
        return axs

    axs = plot_flow_compare(evals, metric=metric, top_n=10)
    assert len(axs.get_xticklabels()) == 10
    top_n = 10
    flow_ids = evals.flow_id.unique()[:top_n]
    flow_names = evals.flow_name.unique()[:top_n]
    pairs = [(flow_ids[i], flow_names[i]) for i in range(top_n)]
    assert "sklearn.naive_bayes.GaussianNB" in {name for _, name in pairs}
    evals_setups = openml.evaluations.list_evaluations_setups(
        function="predictive_accuracy", tasks=[task_id], size=100, sort_order="desc"
    )
    assert len(evals_setups) == 10 and evals_setups.value.is_monotonic_decreasing
    assert {"setup_id", "parameters"} <= set(evals_setups.columns)
    knn_flow = int(evals[evals.flow_name.str.contains("KNeighbors")].flow_id.iloc[0])
    evals_setups = openml.evaluations.list_evaluations_setups(
        function="predictive_accuracy",
        flows=[knn_flow],
        size=100,
        parameters_in_separate_columns=True,
    )
    flow = openml.flows.get_flow(knn_flow)
    assert set(evals_setups.flow_id) == {knn_flow}
    assert (evals_setups[f"{flow.name}({flow.version})_n_neighbors"] == "5").any()


def test_plot_svm_hyperparameters_tutorial(world: World) -> None:
    from sklearn.svm import SVC

    grid = [SVC(C=c, gamma=g) for c in (0.01, 1.0, 100.0) for g in (0.0001, 0.5)]
    run_ids = _publish_runs(world.flows_task, grid)
    svc_flow = openml.runs.get_run(run_ids[0]).flow_id
    df = openml.evaluations.list_evaluations_setups(
        function="predictive_accuracy",
        flows=[svc_flow],
        tasks=[world.flows_task],
        output_format="dataframe",
        parameters_in_separate_columns=True,
    )
    flow = openml.flows.get_flow(svc_flow)
    prefix = f"{flow.name}({flow.version})"  # the tutorial's "sklearn.svm.classes.SVC(16)"
    hyperparameters = [f"{prefix}_C", f"{prefix}_gamma"]
    assert set(hyperparameters) <= set(df.columns)
    df = df[df.run_id.isin(run_ids)].copy()  # not ten_flows' SVC on the same task
    df[hyperparameters] = df[hyperparameters].astype(float).apply(np.log10)
    df.plot.hexbin(
        x=f"{prefix}_C",
        y=f"{prefix}_gamma",
        C="value",
        reduce_C_function=np.mean,
        gridsize=25,
        title="SVM performance landscape",
    )
    fig, ax = plt.subplots()
    C = df[f"{prefix}_C"]
    gamma = df[f"{prefix}_gamma"]
    score = df["value"]
    ax.plot(C, gamma, "ko", ms=1)
    cntr = ax.tricontourf(C, gamma, score, levels=12, cmap="RdBu_r")
    fig.colorbar(cntr, ax=ax, label="accuracy")
    ax.set(
        xlim=(min(C), max(C)),
        ylim=(min(gamma), max(gamma)),
        xlabel="C (log10)",
        ylabel="gamma (log10)",
    )
    ax.set_title("SVM performance landscape")
    assert sorted(set(C)) == [-2.0, 0.0, 2.0]
    assert sorted(set(np.round(gamma, 3))) == [-4.0, round(np.log10(0.5), 3)]
    assert score.max() > score.min()  # the landscape has relief


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
def test_fetch_runtimes_tutorial(world: World) -> None:
    """On the client only (``upload_flow=False``): the server gives the task and its splits."""
    from joblib.parallel import parallel_backend
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.model_selection import GridSearchCV, RandomizedSearchCV
    from sklearn.naive_bayes import GaussianNB
    from sklearn.neural_network import MLPClassifier
    from sklearn.tree import DecisionTreeClassifier

    task = openml.tasks.get_task(world.four_fold_task)
    n_repeats, n_folds, n_samples = task.get_split_dimensions()
    assert (n_repeats, n_folds, n_samples) == (1, 4, 1)

    def runtimes(measures: dict[str, Any]) -> list[tuple[float, float]]:
        return [
            (val2, measures["wall_clock_time_millis_training"][repeat][fold])
            for repeat, val1 in measures["usercpu_time_millis_training"].items()
            for fold, val2 in val1.items()
        ]

    def run(model: Any, **kwargs: Any) -> Any:
        return openml.runs.run_model_on_task(
            model=model, task=task, upload_flow=False, avoid_duplicate_runs=False, **kwargs
        )

    clf = RandomForestClassifier(n_estimators=10)
    run1 = run(clf)
    measures = run1.fold_evaluations
    assert {"predictive_accuracy", "usercpu_time_millis_training"} <= set(measures)
    assert len(runtimes(measures)) == n_repeats * n_folds
    run2 = run(RandomForestClassifier(n_estimators=10, n_jobs=2))
    assert len(runtimes(run2.fold_evaluations)) == n_folds
    clf = RandomForestClassifier(n_estimators=10, n_jobs=-1)
    run3 = run(clf)
    assert len(runtimes(run3.fold_evaluations)) == n_folds
    with parallel_backend(backend="multiprocessing", n_jobs=-1):
        run3_ = run(clf)
    assert len(runtimes(run3_.fold_evaluations)) == n_folds
    clf = RandomForestClassifier(n_estimators=10, n_jobs=2)
    n_iter = 5
    grid_pipe = GridSearchCV(
        estimator=clf,
        param_grid={"n_estimators": np.linspace(start=1, stop=50, num=n_iter).astype(int).tolist()},
        cv=2,
        n_jobs=2,
    )
    run4 = run(grid_pipe, n_jobs=2)
    _repeat, _fold = 0, 3
    searched = [
        run4.trace.trace_iterations[(_repeat, _fold, i)].parameters["parameter_n_estimators"]
        for i in range(n_iter)
    ]
    assert searched == ["1", "13", "25", "37", "50"]
    # the tutorial's refit time: the whole fit less the training and testing times
    assert {"wall_clock_time_millis", "wall_clock_time_millis_testing"} <= set(
        run4.fold_evaluations
    )
    rs_pipe = RandomizedSearchCV(
        estimator=clf,
        param_distributions={
            "n_estimators": np.linspace(start=1, stop=50, num=15).astype(int).tolist()
        },
        cv=2,
        n_iter=n_iter,
        n_jobs=2,
    )
    run5 = run(rs_pipe, n_jobs=2)

    def extract_trace_data(run: Any, key: str = "wall_clock_time_millis_training") -> Any:
        data: dict[str, list[float]] = {"score": [], "runtime": []}
        for i_r in range(n_repeats):
            for i_f in range(n_folds):
                data["runtime"].append(run.fold_evaluations[key][i_r][i_f])
                for i_i in range(n_iter):
                    r = run.trace.trace_iterations[(i_r, i_f, i_i)]
                    if r.selected:
                        data["score"].append(r.evaluation)
                        break
        return data

    def get_incumbent_trace(trace: list[float]) -> list[float]:
        best_score = 1.0
        inc_trace = []
        for i, r in enumerate(trace):
            if i == 0 or (1 - r) < best_score:
                best_score = 1 - r
            inc_trace.append(best_score)
        return inc_trace

    grid_data = extract_trace_data(run4)
    rs_data = extract_trace_data(run5)
    plt.clf()
    plt.plot(np.cumsum(grid_data["runtime"]), get_incumbent_trace(grid_data["score"]))
    plt.plot(np.cumsum(rs_data["runtime"]), get_incumbent_trace(rs_data["score"]))
    plt.xscale("log")
    plt.show()
    assert len(grid_data["score"]) == len(rs_data["score"]) == n_folds
    dt = DecisionTreeClassifier()
    assert len(runtimes(run(dt, n_jobs=2).fold_evaluations)) == n_folds
    with parallel_backend("threading", n_jobs=-1):
        assert len(runtimes(run(dt).fold_evaluations)) == n_folds
    assert len(runtimes(run(MLPClassifier(max_iter=10)).fold_evaluations)) == n_folds
    with parallel_backend("multiprocessing", n_jobs=-1):
        assert len(runtimes(run(GaussianNB()).fold_evaluations)) == n_folds


def test_flow_id_tutorial() -> None:
    import sklearn.tree

    openml.config.start_using_configuration_for_example()
    clf = sklearn.tree.DecisionTreeClassifier(max_depth=7)
    flow = openml.extensions.get_extension_by_model(clf).model_to_flow(clf).publish()
    flow_id = flow.flow_id
    assert openml.flows.get_flow_id(model=clf) == flow_id
    assert (
        openml.flows.flow_exists(name=flow.name, external_version=flow.external_version) == flow_id
    )
    flow_ids = openml.flows.get_flow_id(name=flow.name)
    assert flow_id in flow_ids
    flow_ids = openml.flows.get_flow_id(model=clf, exact_version=False)
    assert flow_id in flow_ids
    openml.config.stop_using_configuration_for_example()


def test_flows_and_runs_tutorial(
    world: World, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openml.extensions.sklearn import cat, cont
    from sklearn import compose, ensemble, impute, neighbors, pipeline, preprocessing, tree

    monkeypatch.chdir(tmp_path)  # the tutorial writes its run to ./myrun
    openml.config.start_using_configuration_for_example()
    dataset = openml.datasets.get_dataset(dataset_id=world.iris_name, version=1)
    X, y, categorical_indicator, attribute_names = dataset.get_data(
        target=dataset.default_target_attribute
    )
    clf = neighbors.KNeighborsClassifier(n_neighbors=1)
    clf.fit(X, y)
    dataset = openml.datasets.get_dataset(dataset_id=world.credit_name, version=1)
    X, y, categorical_indicator, attribute_names = dataset.get_data(
        target=dataset.default_target_attribute
    )
    assert categorical_indicator == [True, False, True, False, True]
    transformer = compose.ColumnTransformer(
        [("one_hot_encoder", preprocessing.OneHotEncoder(categories="auto"), categorical_indicator)]
    )
    X = transformer.fit_transform(X)
    clf.fit(X, y)
    task = openml.tasks.get_task(world.iris_task)
    clf = tree.DecisionTreeClassifier()
    run = openml.runs.run_model_on_task(clf, task)
    myrun = run.publish()
    flow = openml.flows.get_flow(run.flow_id)
    assert flow.name == "sklearn.tree._classes.DecisionTreeClassifier"
    task = openml.tasks.get_task(world.credit_task)

    def preprocess(categorical: Any, continuous: Any) -> pipeline.Pipeline:
        return pipeline.Pipeline(
            steps=[
                (
                    "Preprocessing",
                    compose.ColumnTransformer(
                        [
                            (
                                "categorical",
                                preprocessing.OneHotEncoder(handle_unknown="ignore"),
                                categorical,
                            ),
                            ("continuous", impute.SimpleImputer(strategy="median"), continuous),
                        ]
                    ),
                ),
                ("Classifier", ensemble.RandomForestClassifier(n_estimators=10)),
            ]
        )

    pipe = preprocess(cat, cont)
    run = openml.runs.run_model_on_task(pipe, task, avoid_duplicate_runs=False)
    by_function = run.publish()
    features = task.get_dataset().features
    categorical_feature_indices = []
    numeric_feature_indices = []
    for i in range(len(features)):
        if features[i].name == task.target_name:
            continue
        if features[i].data_type == "nominal":
            categorical_feature_indices.append(i)
        else:
            numeric_feature_indices.append(i)
    assert (categorical_feature_indices, numeric_feature_indices) == ([0, 2, 4], [1, 3])
    pipe = preprocess(categorical_feature_indices, numeric_feature_indices)
    run = openml.runs.run_model_on_task(pipe, task, avoid_duplicate_runs=False)
    by_index = run.publish()
    task = openml.tasks.get_task(world.credit_task)
    run = openml.runs.run_model_on_task(pipe, task, avoid_duplicate_runs=False, upload_flow=False)
    run.to_filesystem(directory="myrun")
    run = openml.runs.OpenMLRun.from_filesystem(directory="myrun")
    from_disk = run.publish()
    task = openml.tasks.get_task(world.iris_task)
    clf = tree.ExtraTreeClassifier()
    extension = openml.extensions.get_extension_by_model(clf)
    flow = extension.model_to_flow(clf)
    run = openml.runs.run_flow_on_task(flow, task)
    assert len(run.data_content) == 150
    for task_id in [world.holdout_task]:
        task = openml.tasks.get_task(task_id)
        data = openml.datasets.get_dataset(task.dataset_id)
        clf = neighbors.KNeighborsClassifier(n_neighbors=5)
        run = openml.runs.run_model_on_task(clf, task, avoid_duplicate_runs=False)
        knn = run.publish()
        assert data.name == world.iris_name
    openml.config.stop_using_configuration_for_example()
    for published in (myrun, by_function, by_index, from_disk, knn):
        assert 0.3 < _evaluated(published.run_id)["predictive_accuracy"] <= 1.0
    assert openml.runs.get_run(from_disk.run_id).flow_id == by_index.flow_id


def test_run_setup_tutorial(world: World) -> None:
    from openml.extensions.sklearn import cat, cont
    from sklearn.compose import ColumnTransformer
    from sklearn.decomposition import TruncatedSVD
    from sklearn.ensemble import RandomForestClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import Pipeline, make_pipeline
    from sklearn.preprocessing import OneHotEncoder

    openml.config.start_using_configuration_for_example()
    task = openml.tasks.get_task(world.credit_task)
    cat_imp = make_pipeline(OneHotEncoder(handle_unknown="ignore"), TruncatedSVD())
    cont_imp = SimpleImputer(strategy="median")
    ct = ColumnTransformer([("cat", cat_imp, cat), ("cont", cont_imp, cont)])
    model_original = Pipeline(steps=[("transform", ct), ("estimator", RandomForestClassifier())])
    hyperparameters_original = {
        "estimator__criterion": "gini",
        "estimator__n_estimators": 10,  # the tutorial's 50, fewer to keep the suite fast
        "estimator__max_depth": 10,
        "estimator__min_samples_leaf": 1,
    }
    model_original.set_params(**hyperparameters_original)
    run = openml.runs.run_model_on_task(model_original, task, avoid_duplicate_runs=False)
    run_original = run.publish()
    run_downloaded = openml.runs.get_run(run_original.run_id)
    setup_id = run_downloaded.setup_id
    model_duplicate = openml.setups.initialize_model(setup_id)
    run_duplicate = openml.runs.run_model_on_task(model_duplicate, task, avoid_duplicate_runs=False)
    np.testing.assert_array_equal(run_original.data_content, run_duplicate.data_content)
    openml.config.stop_using_configuration_for_example()
    assert model_duplicate.get_params()["estimator__n_estimators"] == 10


def test_study_tutorial(world: World) -> None:
    from sklearn.ensemble import RandomForestClassifier

    studies = openml.study.list_studies(output_format="dataframe", status="all")
    assert world.study in set(studies["id"])
    study = openml.study.get_study(world.study)
    assert study.description == "one run" and len(study.runs) == 1
    evaluations = openml.evaluations.list_evaluations(
        function="predictive_accuracy", output_format="dataframe", study=study.study_id
    )
    assert evaluations.run_id.tolist() == study.runs
    openml.config.start_using_configuration_for_example()
    clf = RandomForestClassifier(n_estimators=10)
    tasks = world.suite_tasks
    suite = openml.study.get_suite(world.suite_alias)
    assert all(t_id in suite.tasks for t_id in tasks)
    run_ids = []
    for task_id in tasks:
        task = openml.tasks.get_task(task_id)
        run = openml.runs.run_model_on_task(clf, task)
        run.publish()
        run_ids.append(run.run_id)
    alias = uuid.uuid4().hex
    new_study = openml.study.create_study(
        name="Test-Study",
        description="Test study for the Python tutorial on studies",
        run_ids=run_ids,
        alias=alias,
        benchmark_suite=suite.study_id,
    )
    new_study.publish()
    openml.config.stop_using_configuration_for_example()
    assert openml.study.get_study(alias).runs == run_ids


def test_suites_tutorial(world: World) -> None:
    suites = openml.study.list_suites(output_format="dataframe", status="all")
    assert world.suite_alias in set(suites["alias"])
    suite = openml.study.get_suite(world.suite_alias)
    assert suite.description == "three tasks"
    tasks = openml.tasks.list_tasks(output_format="dataframe")
    tasks = tasks.query("tid in @suite.tasks")
    assert sorted(tasks.tid) == sorted(world.suite_tasks)
    assert "NumberOfInstances" in tasks.describe().transpose().index
    openml.config.start_using_configuration_for_example()
    all_tasks = list(openml.tasks.list_tasks(output_format="dataframe")["tid"])
    task_ids_for_suite = sorted(np.random.default_rng(0).choice(all_tasks, replace=False, size=20))
    alias = uuid.uuid4().hex
    new_suite = openml.study.create_benchmark_suite(
        name="Test-Suite",
        description="Test suite for the Python tutorial on benchmark suites",
        task_ids=task_ids_for_suite,
        alias=alias,
    )
    new_suite.publish()
    openml.config.stop_using_configuration_for_example()
    assert openml.study.get_suite(alias).tasks == [int(t) for t in task_ids_for_suite]


def _iterate(task_id: int) -> tuple[tuple[int, int, int], list[tuple[int, int]]]:
    task = openml.tasks.get_task(task_id)
    X, y = task.get_X_and_y(dataset_format="dataframe")
    n_repeats, n_folds, n_samples = task.get_split_dimensions()
    shapes = []
    for repeat_idx in range(n_repeats):
        for fold_idx in range(n_folds):
            for sample_idx in range(n_samples):
                train_indices, test_indices = task.get_train_test_split_indices(
                    repeat=repeat_idx, fold=fold_idx, sample=sample_idx
                )
                X_train, y_train = X.iloc[train_indices], y.iloc[train_indices]
                X_test, y_test = X.iloc[test_indices], y.iloc[test_indices]
                assert len(X_train) == len(y_train) and len(X_test) == len(y_test)
                shapes.append((len(X_train), len(X_test)))
    return (n_repeats, n_folds, n_samples), shapes


def test_task_manual_iteration_tutorial(world: World) -> None:
    task = openml.tasks.get_task(world.holdout_task)
    assert task.get_split_dimensions() == (1, 1, 1)
    train_indices, test_indices = task.get_train_test_split_indices(repeat=0, fold=0, sample=0)
    assert (train_indices.shape, test_indices.shape) == ((100,), (50,))
    X, y = task.get_X_and_y(dataset_format="dataframe")
    X_train, X_test = X.iloc[train_indices], X.iloc[test_indices]
    assert set(X_train.index).isdisjoint(X_test.index)
    dimensions, shapes = _iterate(world.iris_task)
    assert dimensions == (1, 10, 1) and set(shapes) == {(135, 15)}
    dimensions, shapes = _iterate(world.repeated_task)
    assert dimensions == (5, 2, 1) and set(shapes) == {(75, 75)}
    dimensions, shapes = _iterate(world.curve_task)
    assert dimensions[:2] == (1, 10) and dimensions[2] > 1
    assert shapes[0][0] < shapes[dimensions[2] - 1][0]  # each sample trains on more rows


@pytest.mark.filterwarnings("ignore:`download_data` will default to False:UserWarning")
@pytest.mark.filterwarnings("ignore:`download_qualities` will default to False:UserWarning")
def test_tasks_tutorial(world: World) -> None:
    tasks = openml.tasks.list_tasks(
        task_type=TaskType.SUPERVISED_CLASSIFICATION, output_format="dataframe"
    )
    assert {"tid", "did", "name", "estimation_procedure", "NumberOfInstances"} <= set(tasks.columns)
    filtered_tasks = tasks.query("NumberOfInstances > 100 and NumberOfInstances < 200")
    filtered_tasks = filtered_tasks.query('estimation_procedure == "10-fold Crossvalidation"')
    assert world.iris_task in list(filtered_tasks.index)
    tasks = openml.tasks.list_tasks(tag=world.task_tag, output_format="dataframe")
    assert list(tasks.tid) == [world.iris_task]
    tasks = openml.tasks.list_tasks(data_id=world.credit, output_format="dataframe")
    assert world.credit_task in set(tasks.tid) and set(tasks.did) == {world.credit}
    everything = openml.tasks.list_tasks(output_format="dataframe")
    tasks = openml.tasks.list_tasks(size=10, offset=5, output_format="dataframe")
    assert list(tasks.tid) == list(everything.tid[5:15])
    assert len(everything.query(f'name=="{world.iris_name}"')) >= 9
    task = openml.tasks.get_task(world.iris_task)
    assert task.target_name == "class"
    ids = [world.iris_task, world.credit_task, world.holdout_task]
    tasks = openml.tasks.get_tasks(ids)
    assert [t.task_id for t in tasks] == ids
    openml.config.start_using_configuration_for_example()
    task_id = None
    try:
        my_task = openml.tasks.create_task(
            task_type=TaskType.SUPERVISED_CLASSIFICATION,
            dataset_id=world.iris,
            target_name="class",
            evaluation_measure="predictive_accuracy",
            estimation_procedure_id=1,
        )
        my_task.publish()
    except OpenMLServerException as e:
        if e.code == 614:
            tasks = openml.tasks.list_tasks(data_id=world.iris, output_format="dataframe")
            tasks = tasks.query(
                'task_type == "Supervised Classification" '
                'and estimation_procedure == "10-fold Crossvalidation" '
                'and evaluation_measures == "predictive_accuracy"'
            )
            task_id = tasks.loc[:, "tid"].values[0]
    openml.config.stop_using_configuration_for_example()
    assert task_id == world.iris_task
