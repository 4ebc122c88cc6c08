"""The deploy files are checked by the formats' own validators, not by reading them:

- `deploy/compose/docker-compose.yml` against the Compose Specification's JSON schema
  (vendored in deploy/schemas/compose-spec, with its licence), with `jsonschema`;
- `deploy/k8s/megp.yaml` with kubeconform (built by `deploy/local/kubeconform.sh install`, which
  `make install` runs) in strict mode against the Kubernetes JSON schemas of KUBERNETES_VERSION
  that the `kubernetes-validate` PyPI package ships: every document must be a known kind whose
  every field the schema names (a misspelt or misplaced field fails, as does a wrong type).

A missing validator fails these tests; nothing here is skipped. Each validator is also shown a
broken copy, so a check that accepted anything would fail too. What the manifests must contain
(an autoscaler per service, the topic partitions for it) is checked at the end."""

from __future__ import annotations

import copy
import json
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from megp_common.settings import REPO_ROOT

COMPOSE = REPO_ROOT / "deploy" / "compose" / "docker-compose.yml"
COMPOSE_SCHEMA = REPO_ROOT / "deploy" / "schemas" / "compose-spec" / "compose-spec.json"
K8S = REPO_ROOT / "deploy" / "k8s" / "megp.yaml"
KUBERNETES_VERSION = "1.33.0"
K8S_SCHEMAS = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema"


def compose_errors(document: Any) -> list[str]:
    schema = json.loads(COMPOSE_SCHEMA.read_text())
    validator = jsonschema.Draft7Validator(schema)
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification() -> None:
    document = yaml.safe_load(COMPOSE.read_text())
    assert compose_errors(document) == []


def test_the_compose_check_refuses_a_broken_file() -> None:
    broken = copy.deepcopy(yaml.safe_load(COMPOSE.read_text()))
    broken["services"]["funds"]["restart_policy"] = "always"  # not a service field
    broken["services"]["kafka"]["ports"] = "9092"  # a list, not a string
    errors = compose_errors(broken)
    assert len(errors) >= 2, errors


def kubeconform() -> str:
    answer = subprocess.run(
        [str(REPO_ROOT / "deploy" / "local" / "kubeconform.sh"), "path"],
        text=True,
        capture_output=True,
        check=True,
    )
    path = answer.stdout.strip()
    if not Path(path).is_file():
        pytest.fail(f"kubeconform is not installed at {path}: run `make install`")
    return path


@pytest.fixture(scope="module")
def k8s_schemas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's strict schemas of KUBERNETES_VERSION, made to refer to each other by file:
    each names itself `https://kubernetes.io/api/...` (`$id`) and its definitions
    `/api/_definitions.json`, which the package's own loader maps to its folder and kubeconform
    would fetch from the web. Without the `$id` and with a relative reference they resolve
    beside the file."""
    source = K8S_SCHEMAS / f"v{KUBERNETES_VERSION}-local-strict"
    if not source.is_dir():
        pytest.fail(f"no Kubernetes {KUBERNETES_VERSION} schemas under {K8S_SCHEMAS}")
    target = tmp_path_factory.mktemp("k8s-schemas") / source.name
    target.mkdir()
    for schema in source.glob("*.json"):
        document = json.loads(schema.read_text())
        document.pop("$id", None)
        text = json.dumps(document).replace('"/api/_definitions.json#', '"_definitions.json#')
        (target / schema.name).write_text(text)
    return target.parent


def kubeconform_run(manifests: str, schemas: Path) -> subprocess.CompletedProcess[str]:
    location = f"{schemas}/{{{{ .NormalizedKubernetesVersion }}}}-local{{{{ .StrictSuffix }}}}"
    location += "/{{ .ResourceKind }}{{ .KindSuffix }}.json"
    return subprocess.run(
        [
            kubeconform(),
            "-strict",
            "-summary",
            "-output",
            "text",
            "-kubernetes-version",
            KUBERNETES_VERSION,
            "-schema-location",
            location,
            "-",
        ],
        input=manifests,
        text=True,
        capture_output=True,
        timeout=120,
    )


def test_the_k8s_manifests_are_valid_kubernetes_objects(k8s_schemas: Path) -> None:
    documents = [d for d in yaml.safe_load_all(K8S.read_text()) if d]
    result = kubeconform_run(K8S.read_text(), k8s_schemas)
    assert result.returncode == 0, result.stdout + result.stderr
    # every document was checked against a schema (none skipped as unknown)
    assert f"Valid: {len(documents)}" in result.stdout, result.stdout
    assert "Skipped: 0" in result.stdout, result.stdout


def test_kubeconform_refuses_a_broken_manifest(k8s_schemas: Path) -> None:
    documents = [d for d in yaml.safe_load_all(K8S.read_text()) if d]
    deployment = copy.deepcopy(next(d for d in documents if d["kind"] == "Deployment"))
    deployment["spec"]["replicas"] = "two"
    deployment["spec"]["template"]["spec"]["containers"][0]["cpuLimit"] = "1"  # not a field
    result = kubeconform_run(yaml.safe_dump(deployment), k8s_schemas)
    assert result.returncode != 0, result.stdout
    assert "replicas" in result.stdout and "cpuLimit" in result.stdout, result.stdout


def k8s_documents() -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(K8S.read_text()) if d]


def test_every_k8s_deployment_has_its_cpu_autoscaler() -> None:
    documents = k8s_documents()
    deployments = {d["metadata"]["name"]: d for d in documents if d["kind"] == "Deployment"}
    scalers = {
        d["spec"]["scaleTargetRef"]["name"]: d
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler"
    }
    assert set(scalers) == set(deployments)
    for name, scaler in scalers.items():
        assert scaler["apiVersion"] == "autoscaling/v2"
        assert scaler["spec"]["scaleTargetRef"]["kind"] == "Deployment"
        metric = scaler["spec"]["metrics"][0]["resource"]
        assert metric["name"] == "cpu" and metric["target"]["type"] == "Utilization"
        container = deployments[name]["spec"]["template"]["spec"]["containers"][0]
        assert "cpu" in container["resources"]["requests"], name  # utilization needs it
        assert scaler["spec"]["minReplicas"] <= scaler["spec"]["maxReplicas"]


def test_the_topics_have_a_partition_for_each_consumer_the_autoscalers_allow() -> None:
    """A consumer process beyond a topic's partition count would hold none: the topics the
    services consume have at least as many partitions as any consuming service's maxReplicas."""
    documents = k8s_documents()
    config = next(d for d in documents if d["kind"] == "ConfigMap")
    partitions = int(config["data"]["TOPIC_PARTITIONS"])
    most = max(
        d["spec"]["maxReplicas"]
        for d in documents
        if d["kind"] == "HorizontalPodAutoscaler" and d["metadata"]["name"] != "console"
    )
    assert partitions >= most, (partitions, most)
