"""The real classroom server (`workbook serve`) on a free loopback port: pages, secrecy, configuration."""

import json
import urllib.error
import urllib.request

import pytest

from workbook.i18n import t
from workbook.serve import APPS, LANDING, ServeOptions, voila_config

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")


def fetch(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            return response.status, response.read().decode("utf-8")
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode("utf-8", errors="replace")


@pytest.mark.parametrize(
    ("notebook", "title"),
    [(LANDING, "课堂应用"), ("self_assessment.ipynb", "自评"),
     ("value_matrix_explorer.ipynb", "价值矩阵探索"), ("trainer_dashboard.ipynb", "课堂看板")],
)  # fmt: skip
def test_every_app_renders_a_complete_page_without_source_or_traceback(classroom, notebook, title):
    status, page = fetch(f"{classroom.url}/{notebook}")
    assert status == 200
    assert f"<title>{title}</title>" in page and page.rstrip().endswith("</html>")
    assert "Traceback" not in page and "Error" not in page.split("<body")[1][:2000]
    assert "from workbook.apps import" not in page  # sources stripped
    assert "application/vnd.jupyter.widget-view+json" in page  # the app's widget, not an error text


def test_notebook_files_and_other_paths_are_not_served(classroom):
    base = classroom.url.rsplit("/voila/render", 1)[0]
    paths = ("/voila/files/self_assessment.ipynb", "/self_assessment.ipynb",
             "/voila/render/../../pyproject.toml", "/voila/files/workbook.sqlite")  # fmt: skip
    for path in paths:
        status, page = fetch(base + path)
        assert status in (403, 404), path
        assert "from workbook.apps import" not in page


def test_the_server_writes_its_class_configuration_and_hides_the_trainer_code(classroom):
    config = json.loads((classroom.folder / "server" / "voila.json").read_text(encoding="utf-8"))
    assert config["VoilaConfiguration"]["preheat_kernel"] is True
    assert config["VoilaConfiguration"]["show_tracebacks"] is False
    assert config["MappingKernelManager"]["cull_idle_timeout"] > 0
    log = classroom.log.read_text(errors="replace")
    assert "TEST-7Q2K" in log  # printed once for the trainer at start …
    assert "TEST-7Q2K" not in (classroom.folder / "server" / "voila.json").read_text()  # … never stored


def test_dashboard_page_is_locked_until_the_trainer_code_is_given(classroom):
    # The page itself carries no session data: everything appears only after unlocking in the kernel.
    status, page = fetch(f"{classroom.url}/trainer_dashboard.ipynb")
    assert status == 200
    assert t("apps.dash.join_code") not in page


def test_voila_config_pools_follow_the_class_size():
    config = voila_config(ServeOptions(pool_size=40, host="0.0.0.0", port=9000))
    pools = config["VoilaKernelManager"]["kernel_pools_config"]
    assert pools["self_assessment.ipynb"]["pool_size"] == 40
    assert pools["value_matrix_explorer.ipynb"]["pool_size"] == 2  # two ready; more start on demand
    # One kernel per trainee: lean ones (tests/test_apps.py checks that the app works without pyarrow).
    assert pools["self_assessment.ipynb"]["kernel_env_variables"]["WORKBOOK_WITHOUT_PYARROW"] == "1"
    # After the class has arrived only one spare is refilled, and pages that stop pinging lose their kernel.
    paced = config["PacedKernelManager"]
    assert paced["refill_pool_sizes"] == {"self_assessment.ipynb": 1}
    assert paced["pinged_notebooks"] == {"self_assessment.ipynb": 300}
    assert config["MappingKernelManager"]["cull_interval"] <= 60
    assert {*APPS, LANDING} <= set(pools)
    assert config["Voila"]["ip"] == "0.0.0.0" and config["Voila"]["port"] == 9000


def test_health_check_answers_without_starting_a_kernel(classroom):
    base = classroom.url.rsplit("/voila/render", 1)[0]
    status, body = fetch(f"{base}/voila/health")  # what load balancers and Kubernetes probes ask
    assert status == 200 and json.loads(body) == {"ok": True}
