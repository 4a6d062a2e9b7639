"""``syn0 predict`` (CSV in, CSV out) and ``syn0 models``."""

from __future__ import annotations

import json

import numpy as np
import pytest

from syn0.client import Job
from syn0.core import Network, datasets
from tests.client.factories import NETWORK, training


@pytest.fixture(scope="module")
def classifier(api) -> Job:
    data = api.datasets.generate("spiral", n_samples=200, noise=0.1)
    job = api.jobs.submit(data.id, NETWORK, training())
    return api.jobs.wait(job.id, poll_interval=0.05)


def test_predict_a_csv_file_or_stdin(syn0, api, classifier, tmp_path):
    (tmp_path / "in.csv").write_text("x0,x1\n0.5,-1\n-2,3\n\n")
    from_file = syn0("predict", classifier.model_id, tmp_path / "in.csv")
    assert from_file.code == 0, from_file.err
    rows = [row.split(",") for row in from_file.out.splitlines()]
    expected = api.models.predict(classifier.model_id, [[0.5, -1], [-2, 3]])
    assert rows[0] == ["label", "p_0", "p_1"]
    assert [int(row[0]) for row in rows[1:]] == expected.labels.tolist()
    np.testing.assert_allclose(
        [[float(p) for p in row[1:]] for row in rows[1:]], expected.probabilities, rtol=1e-5
    )
    from_stdin = syn0("predict", classifier.model_id, "-", input="0.5,-1\n-2,3\n")
    assert from_stdin.out == from_file.out
    as_json = json.loads(syn0("predict", classifier.model_id, "-", "--json", input="1,1\n").out)
    assert set(as_json) == {"model_id", "outputs", "labels", "probabilities"}


def test_predict_reports_bad_rows(syn0, classifier):
    ragged = syn0("predict", classifier.model_id, "-", input="x0,x1\n1,2\n3\n")
    assert ragged.code == 2 and ragged.err == (
        "error: <stdin>: data row 2 must hold 2 fields; received ['3']\n"
    )
    unnamed = syn0("predict", classifier.model_id, "-", input="1,2\n3\n")
    assert unnamed.code == 2 and unnamed.err == (
        "error: <stdin>: data row 2 must hold 2 numbers; received ['3']\n"
    )
    wide = syn0("predict", classifier.model_id, "-", input="1,2,3\n")
    assert wide.code == 2 and "expected inputs of shape (n, 2); received (1, 3)" in wide.err
    empty = syn0("predict", classifier.model_id, "-", input="x1,x2\n")
    assert empty.code == 2 and "no rows" in empty.err


def test_predict_images_and_a_regression(syn0, api):
    X, y = datasets.images(60, size=8, kind="shapes")
    images = api.datasets.upload_arrays(X, y, name="shapes")
    network = {
        "input_shape": [1, 8, 8],
        "layers": [{"type": "flatten"}, {"type": "dense", "units": 3, "activation": "softmax"}],
    }
    cnn = api.jobs.wait(api.jobs.submit(images.id, network, training(epochs=3)).id)
    pixels = "\n".join(",".join(map(str, image.ravel())) for image in X[:4])
    labels = syn0("predict", cnn.model_id, "-", input=pixels)
    assert labels.code == 0, labels.err
    assert len(labels.out.splitlines()) == 5 and labels.out.startswith("label,p_0,p_1,p_2\n")
    plane = api.datasets.generate("plane", n_samples=100)
    regression = {"input_shape": [2], "layers": [{"type": "dense", "units": 1}]}
    fitted = api.jobs.wait(api.jobs.submit(plane.id, regression, {"loss": "mse"}).id)
    outputs = syn0("predict", fitted.model_id, "-", input="1,2\n")
    assert outputs.out.splitlines()[0] == "output" and len(outputs.out.splitlines()) == 2


def test_models_ls_show_and_download(syn0, classifier, tmp_path):
    listed = syn0("models", "ls")
    assert listed.code == 0 and classifier.model_id in listed.out
    ids = [m["id"] for m in json.loads(syn0("models", "ls", "--json").out)["items"]]
    assert classifier.model_id in ids
    shown = syn0("models", "show", classifier.model_id)
    assert shown.code == 0 and "classification" in shown.out and "[0, 1]" in shown.out
    model = json.loads(syn0("models", "show", classifier.model_id, "--json").out)
    assert model["job_id"] == classifier.id
    saved = syn0("models", "download", classifier.model_id, "-o", tmp_path / "m.npz")
    assert saved.code == 0, saved.err
    net = Network.from_bytes((tmp_path / "m.npz").read_bytes())
    assert net.predict(np.zeros((1, 2), np.float32)).shape == (1, 2)


def test_models_export_writes_an_onnx_model_that_predicts_as_syn0(syn0, api, classifier, tmp_path):
    ort = pytest.importorskip("onnxruntime")
    saved = syn0("models", "export", classifier.model_id, "-o", tmp_path / "m.onnx")
    assert saved.code == 0, saved.err
    assert saved.out.startswith(f"wrote {tmp_path / 'm.onnx'} (")
    X = np.array([[0.5, -1], [-2, 3], [1, 1]], np.float32)
    session = ort.InferenceSession(str(tmp_path / "m.onnx"), providers=["CPUExecutionProvider"])
    probabilities, labels = session.run(["probabilities", "labels"], {"input": X})
    expected = api.models.predict(classifier.model_id, X)
    np.testing.assert_allclose(probabilities, expected.probabilities, atol=1e-5)
    assert labels.tolist() == expected.labels.tolist()
    other = syn0("models", "export", classifier.model_id, "--format", "tflite")
    assert other.code == 2 and "expected one of: onnx. Received: format='tflite'" in other.err


def test_evaluate_prints_the_report_and_the_confusion_matrix(syn0, api, classifier):
    data = api.datasets.generate("spiral", n_samples=100, noise=0.2, seed=3)
    report = api.models.evaluate(classifier.model_id, data.id).report
    shown = syn0("evaluate", classifier.model_id, "--dataset", data.id)
    assert shown.code == 0, shown.err
    lines = shown.out.splitlines()
    assert any(line.split() == ["accuracy", f"{report['accuracy']:.4g}"] for line in lines)
    matrix = report["confusion_matrix"]
    assert ["true", "\\", "predicted", "0", "1"] in [line.split() for line in lines]
    assert ["0", *map(str, matrix[0])] in [line.split() for line in lines]
    assert ["1", *map(str, matrix[1])] in [line.split() for line in lines]
    assert any(line.split()[:2] == ["macro", "avg"] for line in lines)
    as_json = json.loads(syn0("evaluate", classifier.model_id, "--dataset", data.id, "--json").out)
    assert as_json["report"] == report and sum(map(sum, matrix)) == 100
    wrong = syn0("evaluate", classifier.model_id, "--dataset", "nope")
    assert wrong.code == 2 and "no dataset with id 'nope'" in wrong.err


@pytest.fixture(scope="module")
def named(api) -> Job:
    """A classifier of features named ``age`` and ``income``, its target ``label``."""
    X, y = datasets.generate("spiral", 200, 0.1, 0)
    lines = ["age,income,label"] + [f"{a},{b},{c}" for (a, b), c in zip(X, y, strict=True)]
    data = api.datasets.upload_csv("\n".join(lines).encode(), target="label", name="people")
    job = api.jobs.submit(data.id, NETWORK, training())
    return api.jobs.wait(job.id, poll_interval=0.05)


def test_predict_matches_the_header_by_name_and_ignores_the_target(syn0, api, named):
    # given: the columns in another order, with the target column
    rows = "income,label,age\n-1,1,0.5\n3,0,-2\n"

    # when
    result = syn0("predict", named.model_id, "-", input=rows)

    # then
    assert result.code == 0, result.err
    assert result.err == "notice: <stdin>: ignoring the column 'label', the model's target\n"
    expected = api.models.predict(named.model_id, [[0.5, -1], [-2, 3]])
    labels = [int(row.split(",")[0]) for row in result.out.splitlines()[1:]]
    assert labels == expected.labels.tolist()
    assert api.models.get(named.model_id).signature.feature_names == ["age", "income"]
    shown = syn0("models", "show", named.model_id)
    assert "age, income (target label)" in shown.out


def test_predict_refuses_a_missing_or_unknown_name(syn0, named):
    missing = syn0("predict", named.model_id, "-", input="age\n1\n")
    unknown = syn0("predict", named.model_id, "-", input="age,income,height\n1,2,3\n")

    assert missing.code == 2 and missing.err == (
        "error: <stdin>: the header lacks the feature 'income'; the model reads ['age', 'income']\n"
    )
    assert unknown.code == 2 and unknown.err == (
        "error: <stdin>: the header has the column 'height', which is not one of the "
        "model's features ['age', 'income'] nor its target 'label'\n"
    )


def test_predict_a_stored_dataset_through_the_queue(syn0, api, named, tmp_path):
    X, y = datasets.generate("spiral", 50, 0.1, 1)
    data = api.datasets.upload_arrays(X[:, ::-1], y, feature_names=["income", "age"])

    to_file = syn0("predict", named.model_id, "--dataset", data.id, "-o", tmp_path / "out.csv")
    as_lines = syn0("predict", named.model_id, "--dataset", data.id, "--format", "jsonl")

    assert to_file.code == 0, to_file.err
    assert f"wrote {tmp_path / 'out.csv'} (50 rows)" in to_file.err
    rows = (tmp_path / "out.csv").read_text().splitlines()
    expected = api.models.predict(named.model_id, X)
    assert rows[0] == "row,label,p_0,p_1"
    assert [int(row.split(",")[1]) for row in rows[1:]] == expected.labels.tolist()
    assert as_lines.code == 0, as_lines.err
    lines = [json.loads(line) for line in as_lines.out.splitlines()]
    assert [line["row"] for line in lines] == list(range(50))
    assert [line["label"] for line in lines] == expected.labels.tolist()
    both = syn0("predict", named.model_id, "-", "--dataset", data.id, input="1,2\n")
    assert both.code == 2 and "either FILE or --dataset" in both.err


def test_evaluate_a_csv_by_its_header(syn0, api, named):
    # given: new samples, stored and as a CSV whose columns are in another order
    X, y = datasets.generate("spiral", 40, 0.1, 7)
    stored = api.datasets.upload_arrays(X, y, feature_names=["age", "income"])
    rows = ["label,income,age"] + [f"{c},{b},{a}" for (a, b), c in zip(X, y, strict=True)]
    # when: the model's own target name, then another column named with --target
    shown = syn0("evaluate", named.model_id, "-", "--json", input="\n".join(rows))
    renamed = "\n".join(["y" + rows[0].removeprefix("label"), *rows[1:]])
    targeted = syn0("evaluate", named.model_id, "-", "--target", "y", "--json", input=renamed)
    # then: the stored dataset's report, of no dataset
    expected = api.models.evaluate(named.model_id, stored.id).report
    for result in (shown, targeted):
        assert result.code == 0, result.err
        assert json.loads(result.out) == {
            "model_id": named.model_id,
            "dataset_id": None,
            "report": expected,
        }
    neither = syn0("evaluate", named.model_id)
    assert neither.code == 2 and "or --dataset ID, one of the two" in neither.err
