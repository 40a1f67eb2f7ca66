"""The ``workbook`` command: classroom server, course, customer scoring, reports and exports 课程命令.

    workbook serve [--host 0.0.0.0]      # the classroom apps (Voilà) + JupyterLab 启动课堂服务
    workbook check                       # is this machine ready? 环境检查
    workbook lab [--host H --port P]     # JupyterLab on the course notebooks 打开课程
    workbook score orders.csv -o scored.xlsx [--as-of 2026-06-30]      # 客户评分（订单明细和/或客户表）
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
import os
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
    from workbook.serve import PUBLIC_URL_ENV, ServeOptions, serve

    options = ServeOptions(
        host=args.host, port=args.port, lab_port=None if args.no_lab else args.lab_port or None,
        trainer_code=args.trainer_code,
        verbose=args.verbose,
        data_dir=Path(args.data_dir) if args.data_dir else None, database_url=args.database_url,
        pool_size=args.pool_size, cull_idle_timeout=args.cull_idle, lab_host=args.lab_host,
        # Behind a balancer every node hands out the balancer's address (a container gets it from
        # its environment, like the store's URL and the trainer code).
        public_url=args.public_url or os.environ.get(PUBLIC_URL_ENV) or None,
        allowed_hosts=tuple(args.allowed_host or ()),
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
CLV_WEEKS = 52  # horizon of the predictive CLV written by `workbook score`


def score_customers(
    customers: pd.DataFrame, as_of=None, previous: pd.DataFrame | None = None, progress=None
) -> pd.DataFrame:
    """One row per customer: ladder level, ABC tier, behaviour, value score and tier, risk level, reasons.

    Needs a full customer table; :func:`score_tables` scores whatever the columns allow.
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


def default_as_of(
    customers: pd.DataFrame | None, transactions: pd.DataFrame | None, lang: str | None = None
) -> tuple[pd.Timestamp, str]:
    """The assessment date when none is given, and why (a phrase in ``lang``): see
    :func:`workbook.data.default_as_of`, which the value-matrix explorer shares.

    >>> ledger = pd.DataFrame({"customer_id": [f"C{i}" for i in range(30)],
    ...     "order_date": pd.to_datetime(["2026-06-30"] * 29 + ["2026-11-15"])})
    >>> when, why = default_as_of(None, ledger, lang="en")
    >>> str(when.date()), "C29 2026-11-15" in why
    ('2026-06-30', True)
    """
    from workbook import data

    chosen = data.default_as_of(customers, transactions)
    return chosen.date, chosen.why(lang)


def customer_table(
    customers: pd.DataFrame | None, transactions: pd.DataFrame | None, as_of
) -> pd.DataFrame | None:
    """The customer table to score: the given one, completed by what the ledger gives
    (first/last purchase, 12-month orders, revenue, profit) where it lacks those columns."""
    from workbook import data

    if transactions is None:
        return customers
    derived = data.derive_customers(transactions, as_of=as_of)
    if customers is None:
        return derived
    extra = derived.set_index("customer_id")
    table = customers.copy()
    for column in extra.columns:
        if column not in table:
            table[column] = table["customer_id"].map(extra[column])
    return table


def score_tables(
    customers: pd.DataFrame | None = None,
    transactions: pd.DataFrame | None = None,
    as_of=None,
    previous: pd.DataFrame | None = None,
    lang: str | None = None,
) -> dict[str, pd.DataFrame]:
    """Every analysis the columns allow, from a customer table, an order ledger, or both.

    Returns the sheets of the result: ``scored`` (one row per customer), ``skipped`` (each
    analysis that could not run, the columns it lacks and what they enable), and with a
    ledger ``retention`` (quarterly) and ``cohorts``.

    >>> ledger = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [10.0, 5.0, 7.0],
    ...     "order_date": pd.to_datetime(["2026-01-10", "2026-05-05", "2026-03-06"])})
    >>> sheets = score_tables(transactions=ledger, as_of="2026-06-30", lang="en")
    >>> shown = ["customer_id", "revenue_12m", "abc_tier", "behaviour", "rfm_cell"]
    >>> sheets["scored"][shown].to_numpy().tolist()
    [['a', 15.0, 'high', 'active', 333], ['b', 7.0, 'high', 'potential', 111]]

    (ABC: a's 15 of 22 is below 80 % before b is counted, so both are A; RFM with two customers
    spreads over 1 and 3.)
    """
    from workbook import classify, columns, operations, value_matrix

    as_of = pd.Timestamp(as_of) if as_of is not None else default_as_of(customers, transactions)[0]
    table = customer_table(customers, transactions, as_of)
    facts = (
        "customer_id",
        "name",
        "first_purchase_date",
        "last_purchase_date",
        "orders_12m",
        "revenue_12m",
        "gross_profit_12m",
    )
    shown = facts if customers is None else ("customer_id", "name")  # a ledger's derived facts are news
    scored = table[[c for c in shown if c in table]].copy()
    sheets: dict[str, pd.DataFrame] = {}
    skipped = []
    by = "gross_profit_12m" if "gross_profit_12m" in table else "revenue_12m"
    runs = {
        "level": lambda: classify.relationship_level(table, as_of=as_of)[["level", "reason"]].rename(
            columns={"reason": "level_reason"}
        ),
        "abc": lambda: (
            classify.value_tier_abc(table, by=by, explain=False)[["value_tier"]]
            .rename(columns={"value_tier": "abc_tier"})
            .assign(abc_by=by)
        ),
        "behaviour": lambda: classify.behaviour_status(table, as_of=as_of, explain=False)[["behaviour"]],
        "value_matrix": lambda: (
            value_matrix.value_scores(table)[["value_score", "value_tier", "reason"]]
            .rename(columns={"reason": "value_reason"})
            .round({"value_score": 1})
        ),
        "risk": lambda: operations.risk_signals(table, previous=previous, as_of=as_of)[
            ["risk_level", "reason"]
        ].rename(columns={"reason": "risk_reason"}),
        "rfm": lambda: _by_customer(table, _rfm(transactions, as_of)),
        "clv": lambda: _by_customer(table, _clv(transactions, as_of)),
        "retention": lambda: sheets.setdefault(
            "retention", operations.retention_rates(transactions).reset_index().astype({"period": str})
        ),
        "cohorts": lambda: sheets.setdefault("cohorts", _cohorts(transactions)),
    }
    for check in columns.available(table, transactions):
        if not check.ok:
            skipped.append((check.name, ", ".join(check.missing), check.reason(lang)))
            continue
        try:
            result = runs[check.name]()
        except WorkbookInputError as err:  # e.g. too few customers to fit the CLV models
            skipped.append((check.name, "", err.message(lang)))
            continue
        if check.name not in ("retention", "cohorts"):
            for column in result.columns:
                values = result[column]
                scored[column] = (
                    values.astype(str).where(values.notna(), "")
                    if values.dtype.name == "category"
                    else values
                )
    sheets = {"scored": scored, **sheets}
    sheets["skipped"] = pd.DataFrame(skipped, columns=["analysis", "missing_columns", "reason"])
    return sheets


def _rfm(transactions: pd.DataFrame, as_of) -> pd.DataFrame:
    from workbook import classify

    scores = classify.rfm_scores(transactions, as_of=as_of)
    segments = classify.rfm_segment(scores, explain=False)
    return pd.DataFrame({"rfm_cell": scores["rfm_cell"], "rfm_segment": segments["segment"].astype(str)})


def _by_customer(table: pd.DataFrame, result: pd.DataFrame) -> pd.DataFrame:
    """A result indexed by customer id, aligned to the rows of ``table`` (whole numbers stay whole
    for customers the result lacks)."""
    aligned = result.reindex(table["customer_id"].to_numpy()).set_axis(table.index)
    whole = [c for c in result.columns if pd.api.types.is_integer_dtype(result[c].dtype)]
    return aligned.astype(dict.fromkeys(whole, "Int64"))


def _clv(transactions: pd.DataFrame, as_of) -> pd.DataFrame:
    """BG/NBD + Gamma-Gamma on weekly periods: P(alive), purchases and value over the next 52 weeks."""
    from workbook import operations

    summary = operations.rfm_summary(transactions, as_of=as_of, period="W")
    bgnbd = operations.fit_bgnbd(summary)
    spend = operations.fit_gamma_gamma(summary["frequency"], summary["monetary_value"])
    clv = operations.predictive_clv(summary, bgnbd, spend, horizon_periods=CLV_WEEKS, step=4)
    return (
        clv[["probability_alive", "expected_purchases", "clv"]]
        .round(3)
        .add_suffix(f"_{CLV_WEEKS}w")
        .rename(columns={f"probability_alive_{CLV_WEEKS}w": "probability_alive"})
    )


def _cohorts(transactions: pd.DataFrame) -> pd.DataFrame:
    from workbook import operations

    table = operations.cohort_retention(transactions).round(3)
    table.index = table.index.astype(str)
    table.columns = [str(c) for c in table.columns]
    return table.reset_index()


def _load_mapping(path: str | None) -> dict[str, str] | None:
    """A column-mapping file: YAML lines ``毛利: gross_profit_12m`` (file header: canonical name)."""
    if not path:
        return None
    import yaml

    from workbook.errors import fail

    try:
        loaded = yaml.safe_load(Path(path).read_text(encoding="utf-8-sig")) or {}
    except (OSError, yaml.YAMLError):
        raise fail(Path(path).name, "cli.bad_mapping") from None
    if not isinstance(loaded, dict):
        raise fail(Path(path).name, "cli.bad_mapping")
    return {str(k): str(v) for k, v in loaded.items() if v}


def write_mapping_template(source: str, out: Path, lang: str | None = None) -> None:
    """A mapping file for ``source``: each of its headers with the column it is taken for, or a
    suggestion, or blank; the canonical names are listed in the comments."""
    from workbook import data

    lines = [f"# {i18n.t('cli.mapping_template', lang)}"]
    for spec in (data.CUSTOMERS, data.TRANSACTIONS):
        lines.append(f"# {spec.name}: " + ", ".join(c.name for c in spec.columns))
    for header, canonical in data.suggest_mapping(source).items():
        lines.append(f'"{header}": {canonical or ""}')
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _score(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from workbook import data

    if args.write_mapping:
        write_mapping_template(args.file or args.orders, Path(args.write_mapping))
        print(i18n.t("cli.written", path=args.write_mapping))
        return EXIT_OK
    mapping = _load_mapping(args.columns)
    files = [f for f in (args.file, args.orders, args.previous) if f]
    large = any(Path(f).is_file() and Path(f).stat().st_size >= LARGE_FILE_BYTES for f in files)
    with tqdm(total=4, disable=not large, file=sys.stderr, desc=i18n.t("cli.progress"), unit="") as bar:
        customers, orders = None, args.orders
        if (
            args.file
            and args.orders is None
            and data.guess_table(args.file, columns=mapping) == "transactions"
        ):
            orders = args.file
        elif args.file:
            customers = data.load_customers(args.file, columns=mapping, as_of=args.as_of)
        transactions = data.load_transactions(orders, columns=mapping, as_of=args.as_of) if orders else None
        bar.update(1)
        previous = data.load_customers(args.previous, columns=mapping) if args.previous else None
        bar.update(1)
        if args.as_of is None:
            as_of, why = default_as_of(customers, transactions)
            print(i18n.t("cli.as_of_used", date=as_of.strftime("%Y-%m-%d"), why=why), file=sys.stderr)
        else:
            as_of = pd.Timestamp(args.as_of)
        for table in (customers, transactions, previous):
            for notice in data.notices(table) if table is not None else []:
                print(notice, file=sys.stderr)
        sheets = score_tables(customers, transactions, as_of, previous)
        bar.update(1)
        _write_sheets(sheets, Path(args.output))
        bar.update(1)
    for _, row in sheets["skipped"].iterrows():
        print(i18n.t("cli.skipped", analysis=row["analysis"], reason=row["reason"]), file=sys.stderr)
    print(i18n.t("cli.scored", n=len(sheets["scored"]), path=args.output))
    return EXIT_OK


def _write_sheets(sheets: dict[str, pd.DataFrame], out: Path) -> None:
    """All sheets into one .xlsx; for .csv the scored table, the others beside it (``<name>_<sheet>.csv``)."""
    from workbook.store import neutralise_formulas

    safe = {
        k: neutralise_formulas(v) for k, v in sheets.items()
    }  # names from a file must not run as formulas
    if out.suffix.lower() == ".xlsx":
        with pd.ExcelWriter(out) as writer:
            for name, sheet in safe.items():
                sheet.to_excel(writer, sheet_name=name, index=False)
        return
    for name, sheet in safe.items():
        path = out if name == "scored" else out.with_name(f"{out.stem}_{name}{out.suffix}")
        sheet.to_csv(path, index=False, encoding="utf-8-sig")  # BOM: Excel then reads the Chinese


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


SCORE_EPILOG = """\
input limits 上传限制 (checked before a file is parsed; environment variables):
  WORKBOOK_MAX_UPLOAD_MB   file size, default 50 MB 文件大小
  WORKBOOK_MAX_COLUMNS     columns, default 300 列数
  WORKBOOK_MAX_ROWS        rows, default 12,000,000 行数
  WORKBOOK_MAX_CELLS       rows × columns, default 150,000,000 单元格数
  WORKBOOK_MAX_XLSX_MB     unpacked size of an .xlsx, default 300 MB xlsx 解压后大小
examples:
  workbook score orders.csv -o scored.xlsx
  workbook score customers.xlsx --orders orders.csv -o scored.xlsx --as-of 2026-06-30
  workbook score erp_export.xlsx --write-mapping mapping.yaml   # edit it, then:
  workbook score erp_export.xlsx --columns mapping.yaml -o scored.xlsx
"""


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
        "--no-lab", action="store_true",
        help="apps only, no JupyterLab (an app node behind a load balancer) 只启动应用，不启动笔记本",
    )  # fmt: skip
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
        "http://10.0.0.5:8866 behind NAT, or the load balancer's address 学员访问地址 "
        "(default: $WORKBOOK_PUBLIC_URL, else this machine's address)",
    )  # fmt: skip
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

    score = commands.add_parser(
        "score",
        help="score customers 客户评分: an order ledger, a customer table or both",
        description="Score customers from an order ledger (customer, date, amount), a customer table, or "
        "both: every analysis the columns allow; the 'skipped' sheet says what was not run and why. "
        "按订单明细和/或客户表评分，列不够的分析写入 skipped 表并说明缺哪一列。",
        epilog=SCORE_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    score.add_argument(
        "file", nargs="?", help="customer table or order ledger, CSV or Excel 客户表或订单明细"
    )
    score.add_argument("--orders", help="order ledger, when FILE is the customer table 订单明细")
    score.add_argument("-o", "--output", help="result file, .xlsx or .csv 输出文件")
    score.add_argument(
        "--as-of", help="assessment date 评估日期, e.g. 2026-06-30 (default: the latest order)"
    )
    score.add_argument("--previous", help="last year's customer table, for drop signals 上期客户表")
    score.add_argument("--columns", help="column-mapping file (YAML: 毛利: gross_profit_12m) 列映射文件")
    score.add_argument(
        "--write-mapping", metavar="FILE", help="write a mapping template for FILE and stop 生成列映射模板"
    )
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
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command == "score" and not (args.file or args.orders):
        parser.error("score: give a customer table or an order ledger 请给出客户表或订单明细")
    if args.command == "score" and not (args.output or args.write_mapping):
        parser.error("score: -o/--output is required 请用 -o 指定输出文件")
    with i18n.language(args.lang or i18n.get_language()):
        try:
            return args.run(args)
        except WorkbookInputError as error:
            print(error.message(), file=sys.stderr)
            return EXIT_INPUT


if __name__ == "__main__":
    sys.exit(main())
