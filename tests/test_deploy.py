"""The deployment recipes agree with the program: ports, probes, options and environment.

The files under ``deploy/`` and the ``Dockerfile`` cannot be run here (no image registry, no
cluster), so they are read: every option they pass to ``workbook serve`` must exist in its
``--help``, every port must be the one the server listens on, the probes and the balancer's
health check must ask the path the server answers, and the environment must be what the
program reads.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from workbook.cli import build_parser
from workbook.serve import PUBLIC_URL_ENV, ServeOptions
from workbook.store import DATA_DIR_ENV, DATABASE_URL_ENV
from workbook.voila_server import HEALTH_PATH

ROOT = Path(__file__).resolve().parent.parent
KUBERNETES = ROOT / "deploy" / "kubernetes"
HAPROXY_CFG = ROOT / "deploy" / "haproxy" / "haproxy.cfg"
TRAINER_CODE_ENV = "WORKBOOK_TRAINER_CODE"  # read by workbook serve when --trainer-code is not given
# Measured by `python -m benchmarks scaleout` (2 cores): memory of one trainee's kernel (USS) and
# of the server; a pod must request its pool plus the other apps' few kernels.
KERNEL_MB, SERVER_MB, OTHER_KERNELS = 115, 300, 5


def serve_options() -> dict[str, argparse.Action]:
    """``workbook serve``'s options, by option string (what ``workbook serve --help`` lists)."""
    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    serve = commands.choices["serve"]
    return {option: action for action in serve._actions for option in action.option_strings}


def manifests() -> dict[str, dict]:
    found = {}
    for path in sorted(KUBERNETES.glob("*.yaml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            found[document["kind"]] = document
    return found


def container() -> dict:
    return manifests()["Deployment"]["spec"]["template"]["spec"]["containers"][0]


def option_values(args: list[str]) -> dict[str, str | None]:
    """``["--port", "8866", "--no-lab"]`` → ``{"--port": "8866", "--no-lab": None}``."""
    values, options = {}, serve_options()
    for index, arg in enumerate(args):
        if arg.startswith("--"):
            name, _, inline = arg.partition("=")
            assert name in options, f"{name} is not an option of workbook serve"
            takes_value = options[name].nargs != 0
            values[name] = (inline or args[index + 1]) if takes_value else None
    return values


def memory_mb(quantity: str) -> float:
    number, unit = re.fullmatch(r"(\d+(?:\.\d+)?)(Mi|Gi|M|G)", quantity).groups()
    return float(number) * {"Mi": 1, "Gi": 1024, "M": 1e6 / 2**20, "G": 1e9 / 2**20}[unit]


def test_the_pods_run_apps_only_on_the_port_their_probes_service_and_ingress_use():
    found, pod = manifests(), container()
    args = option_values(pod["args"])
    assert "--no-lab" in args and args["--host"] == "0.0.0.0"
    port = int(args.get("--port") or serve_options()["--port"].default)
    ports = {p["name"]: p["containerPort"] for p in pod["ports"]}
    assert ports == {"http": port}
    for probe in (pod["readinessProbe"], pod["livenessProbe"]):
        assert probe["httpGet"]["path"] == HEALTH_PATH and probe["httpGet"]["port"] in ("http", port)
    service_port = found["Service"]["spec"]["ports"][0]
    assert service_port["targetPort"] in ("http", port)
    labels = found["Deployment"]["spec"]["template"]["metadata"]["labels"]
    assert found["Service"]["spec"]["selector"].items() <= labels.items()
    backend = found["Ingress"]["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend["name"] == found["Service"]["metadata"]["name"]
    assert (
        backend["port"].get("name") == service_port["name"]
        or backend["port"].get("number") == service_port["port"]
    )


def test_the_store_trainer_code_and_public_address_come_from_the_environment_the_program_reads():
    env = {item["name"]: item for item in container()["env"]}
    assert {DATABASE_URL_ENV, TRAINER_CODE_ENV, PUBLIC_URL_ENV} <= set(env)
    secret = manifests()["Secret"]
    for name in (DATABASE_URL_ENV, TRAINER_CODE_ENV):
        reference = env[name]["valueFrom"]["secretKeyRef"]
        assert reference["name"] == secret["metadata"]["name"] and reference["key"] in secret["stringData"]
    # The Ingress's host is the public address, so it is also a host name the apps answer to.
    host = manifests()["Ingress"]["spec"]["rules"][0]["host"]
    assert env[PUBLIC_URL_ENV]["value"] == f"https://{host}"
    source = (ROOT / "workbook" / "serve.py").read_text(encoding="utf-8")
    assert f'os.environ.get("{TRAINER_CODE_ENV}")' in source


def test_pods_request_the_memory_of_their_kernel_pool_and_run_as_a_user():
    pod = container()
    pool = int(option_values(pod["args"]).get("--pool-size") or serve_options()["--pool-size"].default)
    need = SERVER_MB + (pool + OTHER_KERNELS) * KERNEL_MB
    requests, limits = pod["resources"]["requests"], pod["resources"]["limits"]
    assert need <= memory_mb(requests["memory"]) <= memory_mb(limits["memory"])
    security = manifests()["Deployment"]["spec"]["template"]["spec"]["securityContext"]
    assert security["runAsNonRoot"] is True and security["runAsUser"] != 0


def test_the_ingress_keeps_a_page_and_its_websocket_on_one_pod():
    annotations = manifests()["Ingress"]["metadata"]["annotations"]
    prefix = "nginx.ingress.kubernetes.io/"
    assert annotations[prefix + "affinity"] == "cookie"
    assert int(annotations[prefix + "proxy-read-timeout"]) >= 3600  # websockets live with the page
    # An uploaded Excel file travels over the websocket, up to the server's own limit.
    assert annotations[prefix + "proxy-body-size"] == f"{ServeOptions().max_upload_mb}m"


def test_the_image_runs_an_app_node_as_a_user_with_the_chinese_font():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert re.search(r"^FROM \S+-slim", text, re.M)
    assert "fonts-noto-cjk" in text
    user = re.findall(r"^USER (\S+)", text, re.M)
    assert user and user[-1] not in ("root", "0")
    port = int(serve_options()["--port"].default)
    assert re.search(rf"^EXPOSE {port}$", text, re.M) and HEALTH_PATH in text
    cmd = re.search(r"^CMD (\[.*\])$", text, re.M).group(1)
    args = option_values(yaml.safe_load(cmd))
    assert "--no-lab" in args and args["--host"] == "0.0.0.0" and int(args["--port"]) == port
    assert f"ENV {DATA_DIR_ENV}=" in text


def test_the_haproxy_config_keeps_affinity_checks_health_and_lets_websockets_live():
    text = HAPROXY_CFG.read_text(encoding="utf-8")
    assert re.search(r"^\s*cookie \S+ insert indirect nocache", text, re.M)
    assert re.search(r"^\s*option redispatch", text, re.M)
    assert re.search(rf"^\s*http-check send meth GET uri {re.escape(HEALTH_PATH)}$", text, re.M)
    assert re.search(r"^\s*timeout tunnel \d+[hm]", text, re.M)
    assert "${WORKBOOK_BALANCER_BIND}" in text


def test_the_haproxy_config_is_valid_for_haproxy(tmp_path):
    from benchmarks.cluster import haproxy_binary, haproxy_config

    try:
        haproxy = haproxy_binary()
    except FileNotFoundError:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy)")
    config = tmp_path / "haproxy.cfg"
    config.write_text(
        haproxy_config({"node1": "127.0.0.1:8871", "node2": "127.0.0.1:8872"}), encoding="utf-8"
    )
    env = {**os.environ, "WORKBOOK_BALANCER_BIND": "127.0.0.1:8080"}
    checked = subprocess.run([haproxy, "-c", "-f", str(config)], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_local_cluster_script_is_valid_shell():
    script = ROOT / "deploy" / "haproxy" / "run-local.sh"
    assert subprocess.run(["bash", "-n", str(script)], capture_output=True).returncode == 0
    assert "--no-lab" in script.read_text(encoding="utf-8")
