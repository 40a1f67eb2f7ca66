"""The ``workbook`` command: classroom server, course, customer scoring, reports and exports 课程命令.

    workbook serve [--host 0.0.0.0]      # the classroom apps (Voilà) + JupyterLab 启动课堂服务
    workbook check                       # is this machine ready? 环境检查
    workbook lab [--host H --port P]     # JupyterLab on the course notebooks 打开课程
    workbook score customers.xlsx -o scored.xlsx [--as-of 2026-06-30]   # 客户评分
    workbook report AB3K9Z -o reports/   # team and session reports, HTML + Excel 课后报告
    workbook export AB3K9Z -o session.xlsx                               # 导出课堂数据
    workbook instruments validate my_instrument.yaml                     # 检查自评问卷文件

Exit codes: 0 success; 1 the input has problems (the message says which, in the active
language: ``--lang en`` or ``WORKBOOK_LANG``); 2 the command line itself is wrong.
Every command that reads the classroom store takes ``--data-dir`` / ``--database-url`` like
``workbook serve`` (default: ``data/workbook.sqlite``).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from workbook import i18n
from workbook.errors import WorkbookInputError

ROOT = Path(__file__).resolve().parent.parent
EXIT_OK, EXIT_INPUT, EXIT_USAGE = 0, 1, 2


def _check(args: argparse.Namespace) -> int:
    from workbook.environment import check_environment, summary

    report = check_environment()
    for row in report.itertuples():
        print(f"{'✓' if row.ok else '✗'} {row.check}: {row.detail}")
    print(summary(report))
    return EXIT_OK if report["ok"].all() else EXIT_INPUT


def _serve(args: argparse.Namespace) -> int:
    from workbook.serve import ServeOptions, serve

    options = ServeOptions(
        host=args.host, port=args.port, lab_port=args.lab_port or None, trainer_code=args.trainer_code,
        verbose=args.verbose,
        data_dir=Path(args.data_dir) if args.data_dir else None, database_url=args.database_url,
        pool_size=args.pool_size, cull_idle_timeout=args.cull_idle, lab_host=args.lab_host,
        public_url=args.public_url, allowed_hosts=tuple(args.allowed_host or ()),
    )  # fmt: skip
    return serve(options)


def _lab(args: argparse.Namespace) -> int:
    from workbook.serve import lab_command

    return subprocess.call(lab_command(args.host, args.port, open_browser=True))


SERVE_LIMITS = """\
security and limits 安全与限制 (README, "Security"):
  host names    the apps answer only to localhost, 127.0.0.1, ::1, the --host address (with
                0.0.0.0: this machine's names and LAN addresses), the host of --public-url and
                each --allowed-host; other names get 403 (DNS rebinding). XSRF checks are on.
  JupyterLab    on 127.0.0.1 unless --lab-host; whoever reaches it can run any code.
  trainer code  a given code must be at least as strong as a random one (30 bits: e.g. K7M2QX).
                Wrong codes: 3 free, then a wait of 2, 4, 8 … 60 s before the next is checked;
                after 10 in a row the dashboard locks for 15 min, on every page (kept in the
                store). Every attempt is written to the server's log.
  no TLS        serve a classroom LAN only; beyond it put a TLS proxy (HTTPS) in front.
"""

LARGE_FILE_BYTES = 5 * 2**20  # from this size `workbook score` shows its progress


def score_customers(
    customers: pd.DataFrame, as_of=None, previous: pd.DataFrame | None = None, progress=None
) -> pd.DataFrame:
    """One row per customer: ladder level, ABC tier, behaviour, value score and tier, risk level, reasons.

    ``progress`` (optional) is a ``tqdm`` bar advanced once per step.
    """
    from workbook import classify, operations, value_matrix

    step = progress.update if progress is not None else (lambda _n: None)
    as_of = pd.Timestamp(as_of) if as_of is not None else customers["last_purchase_date"].max()
    level = classify.relationship_level(customers, as_of=as_of)
    step(1)
    abc = classify.value_tier_abc(customers)
    behaviour = classify.behaviour_status(customers, as_of=as_of)
    step(1)
    value = value_matrix.value_scores(customers)
    step(1)
    risk = operations.risk_signals(customers, previous=previous, as_of=as_of)
    step(1)
    return pd.DataFrame(
        {
            "customer_id": customers["customer_id"],
            "name": customers["name"],
            "level": level["level"].astype(str),
            "level_reason": level["reason"],
            "abc_tier": abc["value_tier"].astype(str),
            "behaviour": behaviour["behaviour"].astype(str),
            "value_score": value["value_score"].round(1),
            "value_tier": value["value_tier"].astype(str),
            "value_reason": value["reason"],
            "risk_level": risk["risk_level"].astype(str),
            "risk_reason": risk["reason"],
        }
    )


def _score(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from workbook import data
    from workbook.store import neutralise_formulas

    large = Path(args.file).stat().st_size >= LARGE_FILE_BYTES
    with tqdm(total=7, disable=not large, file=sys.stderr, desc=i18n.t("cli.progress"), unit="") as bar:
        customers = data.load_customers(args.file)
        bar.update(1)
        previous = data.load_customers(args.previous) if args.previous else None
        bar.update(1)
        scored = score_customers(customers, args.as_of, previous, progress=bar)
        out = Path(args.output)
        safe = neutralise_formulas(scored)  # names from a customer file must not run as formulas
        if out.suffix.lower() == ".xlsx":
            safe.to_excel(out, index=False)
        else:
            safe.to_csv(out, index=False, encoding="utf-8-sig")  # BOM: Excel then reads the Chinese
        bar.update(1)
    print(i18n.t("cli.scored", n=len(scored), path=out))
    return EXIT_OK


def _store(args: argparse.Namespace):
    """The classroom store the command reads: ``--database-url``, else ``--data-dir``, else
    ``$WORKBOOK_DATABASE_URL``, else the store of the last ``workbook serve`` here, else the default.

    A SQLite file that is not there is refused (naming where the server keeps its data), not
    created empty: an empty store would only say "no such session".
    """
    import os

    from sqlalchemy.engine import make_url

    from workbook.errors import fail
    from workbook.serve import last_server_store
    from workbook.store import DATABASE_FILE, DATABASE_URL_ENV, Store, database_url

    if args.database_url:
        url = args.database_url
    elif args.data_dir:
        url = f"sqlite:///{Path(args.data_dir).resolve() / DATABASE_FILE}"
    else:
        url = os.environ.get(DATABASE_URL_ENV) or last_server_store() or database_url()
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and not Path(parsed.database).exists():
        raise fail(str(parsed.database), "cli.no_store", path=parsed.database)
    return Store(url)


def _export(args: argparse.Namespace) -> int:
    with _store(args) as store:
        session = store.session_by_code(args.code)
        written = store.export(session, Path(args.output), tz=args.tz)
    for path in written:
        print(i18n.t("cli.written", path=path))
    return EXIT_OK


def _report(args: argparse.Namespace) -> int:
    from workbook import report

    with _store(args) as store:
        session = store.session_by_code(args.code)
        previous = store.session_by_code(args.previous) if args.previous else None
        folder = Path(args.output or Path("reports") / session.code)  # a team's file keeps its name
        written = report.write_reports(store, session, folder, teams=args.team or None, previous=previous)
    for path in written:
        print(i18n.t("cli.written", path=path))
    return EXIT_OK


def _instruments(args: argparse.Namespace) -> int:
    from workbook.instruments import load_instrument

    for path in args.paths:
        instrument = load_instrument(Path(path))
        print(
            i18n.t(
                "cli.instrument_ok",
                path=path,
                id=instrument.id,
                version=instrument.version,
                n=len(instrument.items),
            )
        )
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbook",
        description=__doc__.split("\n\n")[0].replace("``", ""),
        epilog=__doc__.split("\n\n")[2].replace("``", ""),  # exit codes and the store options
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--lang", choices=["zh", "en"], help="message language 提示语言 (default zh)")
    commands = parser.add_subparsers(dest="command", required=True)

    where = argparse.ArgumentParser(add_help=False)  # the classroom store: serve, report, export
    where.add_argument("--data-dir", help="folder of the SQLite store 数据文件夹 (default: data/)")
    where.add_argument("--database-url", help="SQLAlchemy URL of the store 数据库地址 (e.g. PostgreSQL)")

    serve = commands.add_parser(
        "serve",
        parents=[where],
        help="start the classroom apps 启动课堂服务 (Voilà + JupyterLab)",
        description="Serve the three classroom apps (self-assessment, value-matrix explorer, trainer "
        "dashboard) with Voilà, plus JupyterLab for the notebooks. "
        "启动课堂应用（自评、价值矩阵、课堂看板）和课程笔记本。",
        epilog=SERVE_LIMITS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to listen on; 0.0.0.0 for the room's network 监听地址"
    )
    serve.add_argument("--port", type=int, default=8866, help="port of the apps 应用端口 (default 8866)")
    serve.add_argument(
        "--lab-port", type=int, default=8888, help="JupyterLab port, 0 for none 笔记本端口 (default 8888)"
    )
    serve.add_argument(
        "--lab-host", default="127.0.0.1",
        help="JupyterLab's address 笔记本监听地址 (default 127.0.0.1: this computer only; it runs any code)",
    )  # fmt: skip
    serve.add_argument(
        "--trainer-code",
        help="code that unlocks the dashboard 培训师代码 (default: random, printed; "
        "a given one must be as strong as a random one)",
    )
    serve.add_argument(
        "--allowed-host", action="append", metavar="NAME",
        help="another host name the apps answer to (repeatable) 允许的访问名称",
    )  # fmt: skip
    serve.add_argument(
        "--pool-size", type=int, default=6, help="preheated kernels for the self-assessment 预热内核数"
    )
    serve.add_argument(
        "--cull-idle", type=int, default=3600, help="seconds before an idle page's kernel stops 空闲回收秒数"
    )
    serve.add_argument(
        "--public-url",
        help="address trainees reach the apps at, for the join link and QR code, e.g. "
        "http://10.0.0.5:8866 behind NAT or a proxy 学员访问地址 (default: this machine's address)",
    )
    serve.add_argument(
        "--verbose", action="store_true", help="show the servers' logs here 显示服务日志 (else: data/server/)"
    )
    serve.set_defaults(run=_serve)

    check = commands.add_parser("check", help="check this machine is ready 环境检查")
    check.set_defaults(run=_check)

    lab = commands.add_parser("lab", help="open the course in JupyterLab 打开课程")
    lab.add_argument("--host", default="127.0.0.1", help="address to listen on 监听地址")
    lab.add_argument("--port", type=int, default=8888, help="port 端口")
    lab.set_defaults(run=_lab)

    score = commands.add_parser("score", help="score a customer file 客户评分: level, tiers, value, risk")
    score.add_argument("file", help="customer table, CSV or Excel 客户表")
    score.add_argument("-o", "--output", required=True, help="result file, .xlsx or .csv 输出文件")
    score.add_argument("--as-of", help="snapshot date 快照日期, e.g. 2026-06-30 (default: latest purchase)")
    score.add_argument("--previous", help="last year's customer table, for drop signals 上期客户表")
    score.set_defaults(run=_score)

    report = commands.add_parser(
        "report", parents=[where], help="team and session reports, HTML + Excel 课后报告（网页 + Excel）"
    )
    report.add_argument("code", help="the session's join code 加入码")
    report.add_argument("-o", "--output", help="report folder 输出文件夹 (default: reports/JOINCODE/)")
    report.add_argument("--team", action="append", help="only this team (repeatable) 只为该团队出报告")
    report.add_argument("--previous", help="join code of the earlier session to compare with 上期加入码")
    report.set_defaults(run=_report)

    export = commands.add_parser("export", parents=[where], help="a session's data to Excel/CSV 导出课堂数据")
    export.add_argument("code", help="the session's join code 加入码")
    export.add_argument("-o", "--output", required=True, help=".xlsx (one sheet per table) or .csv 输出文件")
    export.add_argument(
        "--tz", default="Asia/Shanghai", help="time zone of the times 时区 (default Asia/Shanghai)"
    )
    export.set_defaults(run=_export)

    instruments = commands.add_parser("instruments", help="self-assessment instruments 自评问卷")
    inner = instruments.add_subparsers(dest="action", required=True)
    validate = inner.add_parser("validate", help="check instrument YAML files 检查问卷文件")
    validate.add_argument("paths", nargs="+", help="YAML files 问卷文件")
    validate.set_defaults(run=_instruments)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``workbook`` command; returns the exit code."""
    args = build_parser().parse_args(argv)
    with i18n.language(args.lang or i18n.get_language()):
        try:
            return args.run(args)
        except WorkbookInputError as error:
            print(error.message(), file=sys.stderr)
            return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
