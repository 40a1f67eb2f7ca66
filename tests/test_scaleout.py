"""Two app nodes behind HAProxy on one PostgreSQL store: trainees spread over both, one dashboard sees all.

Runs the shipped ``deploy/haproxy/haproxy.cfg`` (nodes listed at its end) in front of two real
``workbook serve --no-lab`` processes, all on 127.0.0.1. Needs the ``haproxy`` program and a
PostgreSQL server (``$WORKBOOK_TEST_DATABASE_URL``, set by ``scripts/with-postgres.sh``, which CI
uses); skipped with the reason otherwise.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter

import pytest

from workbook.i18n import t

pytestmark = pytest.mark.filterwarnings("ignore::ResourceWarning")

TEST_DATABASE_ENV = "WORKBOOK_TEST_DATABASE_URL"
TRAINEES = 4  # two per node: enough to see both nodes' submissions on one dashboard


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    from benchmarks.cluster import Cluster, fresh_database, haproxy_binary

    try:
        haproxy_binary()
    except FileNotFoundError:
        pytest.skip("haproxy is not installed (Debian: apt-get install haproxy); .ci/run installs it")
    server_url = os.environ.get(TEST_DATABASE_ENV)
    if not server_url:
        pytest.skip(f"needs PostgreSQL: set {TEST_DATABASE_ENV} (scripts/with-postgres.sh does, as in CI)")
    with fresh_database(server_url) as url:
        running = Cluster(tmp_path_factory.mktemp("scaleout"), url, nodes=2, pool_size=2)
        running.start()
        try:
            yield running
        finally:
            running.stop()


def test_trainees_on_both_nodes_all_appear_on_one_dashboard(cluster):
    from benchmarks.classroom import Trainee
    from benchmarks.cluster import NODE_COOKIE
    from tests.conftest import run_coroutine
    from workbook.store import Store, hash_trainer_code

    with Store(cluster.database_url) as store:
        code = store.create_session("扩展", trainer_code_hash=hash_trainer_code("X", iterations=1000)).code
    people = [Trainee(cluster.base, code, f"第{i // 2 + 1}组", i, submits=1) for i in range(TRAINEES)]

    async def whole_class():
        await asyncio.gather(*(person.run() for person in people))

    run_coroutine(whole_class())
    assert [p.error for p in people] == [None] * TRAINEES
    assert Counter(p.cookies.get(NODE_COOKIE) for p in people) == {"node1": 2, "node2": 2}

    # A dashboard on each node (the balancer deals new browsers in turn), unlocked with the one
    # trainer code every node was given, shows the submissions made on both: two per team.
    expected = t("apps.dash.submitted_of", n=2, of=2)
    join_link = f"{cluster.base}/voila/render/self_assessment.ipynb?code={code}"

    async def dashboard() -> tuple[str, str]:
        page = Trainee(cluster.base, code, "", 0, app="trainer_dashboard.ipynb")
        await page._open()
        try:
            await page._update(page._find("Password"), {"value": "BENCH-7Q2K"})
            await page._click(page._find("Button", icon="unlock"))
            await page._wait_for(lambda: texts(page).count(expected) == 2 and join_link in texts(page))
            return page.cookies.get(NODE_COOKIE), texts(page)
        finally:
            page._close()

    seen = {run_coroutine(dashboard())[0] for _ in range(2)}
    assert seen == {"node1", "node2"}


def texts(page) -> str:
    """Every text value of the page's widgets, joined: what the trainer sees."""
    return "\n".join(str(state.get("value", "")) for state in page.states.values())


def test_a_page_whose_node_dies_reopens_on_the_other_node_with_its_answers(cluster, browser, artifacts):
    # Last in this module: it kills one of the cluster's nodes.
    from benchmarks.cluster import NODE_COOKIE
    from tests.test_browser import is_ticked, open_app, start_pulse, tick
    from workbook.store import Store, hash_trainer_code

    with Store(cluster.database_url) as store:
        hashed = hash_trainer_code("X", iterations=1000)
        code = store.create_session("宕机演练", trainer_code_hash=hashed).code
    page = open_app(browser, f"{cluster.base}/voila/render/self_assessment.ipynb")
    start_pulse(page, code, "华北组", "孙七")
    tick(page, (7, 2))  # recommend 7, csat 3; the effort question is still open
    page.wait_for_function(
        "() => (localStorage.getItem('workbook-draft:self-assessment') || '').includes('csat')"
    )
    node = {c["name"]: c["value"] for c in page.context.cookies()}[NODE_COOKIE]
    # While the balancer has no node to offer (503), the page waits instead of reloading into an error.
    page.route("**/voila/static/", lambda route: route.fulfill(status=503, body="no server available"))
    page.evaluate("() => { window.notReloaded = true; }")
    cluster.servers[node].kill9()  # the node's server and every kernel on it, at once
    page.get_by_text("与服务器的连接中断了", exact=False).wait_for(timeout=60_000)
    page.wait_for_timeout(9_000)  # the notice's 3 s and at least one more try
    assert page.evaluate("() => window.notReloaded === true")
    page.unroute("**/voila/static/")

    # The page reopens through the balancer on the live node and fills the answers in again.
    page.get_by_text("已恢复您在本浏览器中尚未提交的答案").wait_for(timeout=120_000)
    page.screenshot(path=artifacts / "scaleout-reopened-on-another-node.png", full_page=True)
    assert {c["name"]: c["value"] for c in page.context.cookies()}[NODE_COOKIE] != node
    assert is_ticked(page, 0, 7) and is_ticked(page, 1, 2)
    tick(page, (4,), first=2)
    page.get_by_role("button", name="提交").click()
    page.get_by_text("团队“华北组”的汇总结果").wait_for(timeout=30_000)
    page.close()
    with Store(cluster.database_url) as store:
        stored = store.submissions(store.session_by_code(code))
    assert len(stored) == 1 and stored["answers"].iloc[0] == {"recommend": 7, "csat": 3, "ces": 5}
