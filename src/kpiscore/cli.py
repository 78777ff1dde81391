"""The command line: thin, calls the public API, never shows a traceback.

Exit codes everywhere: 0 done; 1 the input has problems (bad set, bad data,
missing data under --strict, a failed case); 2 the command line is wrong.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path

from . import __version__

# Each command imports what it needs when it runs: `kpiscore --help` stays as
# quick as Python itself, without the set compiler.
TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Sequence
    from typing import Any

    _Command = Callable[[str, str], argparse.ArgumentParser]

    from ._batch import Line as _Line
    from ._batch import Options as _Options
    from ._batch import Progress as _Progress
    from ._messages import Lang
    from .errors import KpiscoreError

SCHEMA_ID = "https://kpiscore.invalid/schema/indicator-set-1.json"


_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)' \(choose from (.*)\)")


def _lang_asked(argv: Sequence[str]) -> Lang:
    """--lang as typed, for messages printed before the arguments could be parsed."""
    for i, arg in enumerate(argv):
        if arg == "--lang=en" or (arg == "--lang" and argv[i + 1 : i + 2] == ["en"]):
            return "en"
    return "en" if os.environ.get("KPISCORE_LANG") == "en" else "zh"


# argparse's sentences an officer meets most, in Chinese (anything else is shown as is).
_USAGE_ZH = (
    (
        re.compile(r"argument command: invalid choice: '([^']*)' \(choose from (.*)\)"),
        "没有命令 '{0}'，可用的命令：{1}",
    ),
    (re.compile(r"the following arguments are required: (.*)"), "缺少参数：{0}"),
    (re.compile(r"unrecognized arguments: (.*)"), "无法识别的参数：{0}"),
    (re.compile(r"argument (\S+): expected one argument"), "参数 {0} 后面需要一个值"),
    (
        re.compile(r"argument (\S+): invalid choice: '([^']*)' \(choose from (.*)\)"),
        "参数 {0} 的值 '{1}' 无效，可选：{2}",
    ),
)


def _usage_zh(message: str) -> str:
    for pattern, words in _USAGE_ZH:
        m = pattern.search(message)
        if m:
            return words.format(*m.groups())
    return message


class _Formatter(argparse.RawDescriptionHelpFormatter):
    def __init__(
        self,
        prog: str,
        indent_increment: int = 2,
        max_help_position: int = 24,
        width: int | None = None,
    ) -> None:
        # argparse asks shutil for the terminal's width, and importing shutil (with its
        # compressors) is ≈ 3 ms of every command's start: ask the OS as shutil does.
        if width is None:
            width = _columns() - 2
        super().__init__(prog, indent_increment, max_help_position, width)

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        # argparse passes prefix="" when it builds a sub-command's name: keep that.
        super().add_usage(usage, actions, groups, "用法 / usage: " if prefix is None else prefix)


def _columns() -> int:
    """The terminal's width as ``shutil.get_terminal_size()`` gives it: $COLUMNS, else
    the terminal's own, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns if columns > 0 else 80


class _Parser(argparse.ArgumentParser):
    """argparse with bilingual headings, kpiscore's exit code 2, and a close match for typos."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = "参数 / arguments"
        self._optionals.title = "选项 / options"
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = "显示帮助 / show this help"

    def error(
        self, message: str
    ) -> Any:  # argparse's own wording, but our exit code and no traceback
        self.print_usage(sys.stderr)
        lang = _lang_asked(sys.argv[1:])
        print(f"kpiscore: {message if lang == 'en' else _usage_zh(message)}", file=sys.stderr)
        m = _INVALID_CHOICE.search(message)
        if m:  # a misspelt command or option value: name the close one, in the user's language
            choices = re.findall(r"'([^']*)'", m.group(2))
            from ._messages import hint

            tip = hint(m.group(1), choices, lang, list_all=False)
            if tip:
                print(f"kpiscore: {tip}", file=sys.stderr)
        raise SystemExit(2)


_EXAMPLES = """例 / examples:
  kpiscore check 我的指标体系.yaml
  kpiscore score 指标体系.yaml 数据.yaml
  kpiscore score 指标体系.yaml 数据.yaml --format json
  kpiscore report 指标体系.yaml 数据.yaml -o 自评表.xlsx
  kpiscore report 指标体系.yaml 数据.yaml -o 自评报告.docx
  kpiscore batch 指标体系.yaml 项目.xlsx -o 结果.xlsx
  kpiscore import 已填报的自评表.xlsx
  kpiscore audit 报送材料/ -o 复核结果.xlsx
  kpiscore test 指标体系.yaml 用例.yaml
  kpiscore diff 旧体系.yaml 新体系.yaml 项目.csv

退出码 / exit codes: 0 完成 done; 1 输入有问题 input problems; 2 命令写错 usage"""


def _parser() -> argparse.ArgumentParser:
    p = _Parser(
        prog="kpiscore",
        description="绩效自评计分 / performance self-evaluation scoring",
        epilog=_EXAMPLES,
    )
    lang_help = "提示语言，默认 zh / message language (default zh)"
    p.add_argument("--lang", choices=["zh", "en"], default=None, help=lang_help)
    p.add_argument(
        "--version", action="version", version=f"kpiscore {__version__}", help="版本 / version"
    )
    sub = p.add_subparsers(dest="command", parser_class=_Parser)

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        cmd = sub.add_parser(name, help=help_text, description=help_text)
        cmd.add_argument("--lang", choices=["zh", "en"], default=argparse.SUPPRESS, help=lang_help)
        return cmd

    _scoring_commands(command)
    _batch_command(command)
    _table_commands(command)
    _tool_commands(command, sub)
    return p


SET_HELP = "指标体系 YAML 文件 / indicator set (YAML)"
DATA_HELP = "数据文件（YAML 或 JSON）/ data file (YAML or JSON)"
ROWS_HELP = "CSV、Excel（.xlsx）或数据文件夹 / a CSV, an .xlsx sheet or a folder of data files"
STRICT_HELP = "缺数据或数据无效时报错而不是按 0 分计 / missing or invalid data is an error, not a 0"


def _scoring_commands(command: _Command) -> None:
    c = command("check", "检查指标体系，列出每个问题 / check indicator sets, list every problem")
    c.add_argument("sets", nargs="+", metavar="SET", help=SET_HELP)
    c.add_argument("--format", choices=["text", "json"], default="text")

    s = command("score", "给一个项目或部门计分 / score one subject")
    s.add_argument("set", metavar="SET", help=SET_HELP)
    s.add_argument("data", metavar="DATA", help=DATA_HELP)
    s.add_argument("--format", choices=["text", "json", "markdown"], default="text")
    s.add_argument("--strict", action="store_true", help=STRICT_HELP)
    s.add_argument(
        "--steps",
        action="store_true",
        help="JSON 中附上每个指标的计算步骤 / add each indicator's steps to the JSON",
    )

    r = command(
        "report",
        "写出自评表（.xlsx .html .md）或自评报告（.docx）/ write the form or the report draft",
    )
    r.add_argument("set", metavar="SET", help=SET_HELP)
    r.add_argument("data", metavar="DATA", help=DATA_HELP)
    r.add_argument(
        "-o",
        "--output",
        required=True,
        help="OUT.xlsx, OUT.html, OUT.md, OUT.docx, OUT.txt, OUT.json",
    )
    r.add_argument(
        "--template",
        metavar="T.docx",
        help="用单位自己的 Word 模板（docxtpl 占位符）/ fill the unit's own Word template",
    )
    r.add_argument("--strict", action="store_true", help=STRICT_HELP)


def _batch_command(command: _Command) -> None:
    b = command("batch", "批量计分 / score many subjects: a CSV, an .xlsx sheet or a folder")
    b.add_argument("set", metavar="SET", help=SET_HELP)
    b.add_argument("rows", metavar="ROWS", help=ROWS_HELP)
    b.add_argument("-o", "--output", required=True, help="OUT.csv, OUT.jsonl or OUT.xlsx")
    b.add_argument("--strict", action="store_true", help=STRICT_HELP)
    b.add_argument(
        "--jobs",
        "-j",
        type=int,
        default=1,
        metavar="N",
        help="用 N 个进程计分（0：每个 CPU 一个）/ score in N processes (0: one per CPU)",
    )
    b.add_argument(
        "--explain",
        action="store_true",
        help=".jsonl 中附上每个指标的说明 / put each indicator's explanation in a .jsonl",
    )
    b.add_argument("--quiet", "-q", action="store_true", help="不显示进度 / no progress line")
    b.add_argument(
        "--reports",
        metavar="DIR",
        help="每个项目的自评表（.xlsx）写入该目录 / write each subject's form into DIR",
    )


def _table_commands(command: _Command) -> None:
    im = command(
        "import",
        "把已填报的自评表（.xlsx）转为指标体系和数据 / read a filed 自评表 into a set and data",
    )
    im.add_argument("table", metavar="TABLE.xlsx", help="自评表 / the filed table")
    im.add_argument(
        "-o",
        "--output",
        metavar="DIR",
        help="输出目录，默认与表同名 / folder (default: beside the table)",
    )

    au = command("audit", "复核一批自评表：重新计分并列出不一致 / re-check filed tables")
    au.add_argument(
        "files", nargs="+", metavar="FILE|DIR", help="自评表或其文件夹 / tables or folders"
    )
    au.add_argument("-o", "--output", required=True, help="OUT.csv or OUT.xlsx")


def _tool_commands(command: _Command, sub: Any) -> None:
    t = command("test", "运行复核用例：给定数据，期望得分 / run officer-written cases")
    t.add_argument("set", metavar="SET", help=SET_HELP)
    t.add_argument("cases", metavar="CASES", help="用例文件 / case file (YAML)")

    d = command("diff", "比较新旧指标体系的得分变化 / what changes when the rules change")
    d.add_argument("old", metavar="OLD_SET", help="旧指标体系 / the set in use")
    d.add_argument("new", metavar="NEW_SET", help="新指标体系 / the proposed set")
    d.add_argument("rows", metavar="ROWS", help=ROWS_HELP)
    d.add_argument("--format", choices=["text", "json"], default="text")
    d.add_argument("--all", action="store_true", help="也列出没有变化的 / list unchanged too")
    sc = sub.add_parser(
        "schema", help="输出指标体系格式的 JSON Schema / print the indicator-set JSON Schema"
    )
    sc.add_argument(
        "--result",
        action="store_true",
        help="输出计分结果 JSON 的 Schema / print the JSON Schema of a result instead",
    )


def schema() -> dict[str, Any]:
    from .model import IndicatorSetModel

    out = IndicatorSetModel.model_json_schema(by_alias=True)
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **out}


def _err(msg: str) -> None:
    print(msg, file=sys.stderr)


def _bad_output(out: str, allowed: str, lang: Lang) -> int:
    _err(
        f"kpiscore: -o must end in {allowed}, not '{out}'"
        if lang == "en"
        else f"kpiscore：-o 的文件名应以 {allowed} 结尾，而不是 '{out}'"
    )
    return 2


def _report_error(exc: KpiscoreError) -> int:
    issues = getattr(exc, "issues", None)
    if issues:
        for issue in issues:
            _err(issue.format())
    else:
        _err(str(exc))
    return 1


def cmd_check(args: argparse.Namespace, lang: Lang) -> int:
    from . import _api  # never the cache: a check reports every warning, every time

    if args.format == "json":  # for editors and CI: the same issues, one document
        found = {path: _api.check(path, lang=lang) for path in args.sets}
        report = [
            {"set": p, "issues": [i.to_dict() for i in issues]} for p, issues in found.items()
        ]
        print(json.dumps(report, ensure_ascii=False, indent=2))
        return 1 if any(i.severity == "error" for v in found.values() for i in v) else 0
    bad = False
    for path in args.sets:
        issues = _api.check(path, lang=lang)
        for issue in issues:
            print(issue.format())
        errors = sum(i.severity == "error" for i in issues)
        warnings = len(issues) - errors
        bad |= errors > 0
        if lang == "en":
            print(f"{path}: {errors} error(s), {warnings} warning(s)")
        else:
            print(f"{path}：{errors} 个错误，{warnings} 个提示")
    return 1 if bad else 0


def cmd_score(args: argparse.Namespace, lang: Lang) -> int:
    from . import _api, _setcache
    from ._render import json as json_render
    from ._render import markdown, text

    iset = _setcache.load(args.set, lang)
    # The whole report is read: the Result built at once (never by the fast path first).
    result = _api.score_subject(iset, args.data, strict=args.strict, lang=lang, quick=False)
    if args.format == "json":
        sys.stdout.write(json_render.render(result, lang, steps=args.steps))
    else:
        renderer = {"text": text.render, "markdown": markdown.render}[args.format]
        sys.stdout.write(renderer(result, lang))
    if args.format == "json":
        for w in result.warnings:
            _err(w)
    return 0


def cmd_report(args: argparse.Namespace, lang: Lang) -> int:
    from . import _api, _output, _setcache

    out = args.output
    if _output.format_for(out) is None:
        return _bad_output(out, ", ".join(_output.SUFFIXES), lang)
    if args.template and Path(out).suffix.lower() != ".docx":
        _err(
            "kpiscore: --template is for a .docx report"
            if lang == "en"
            else "kpiscore：--template 只用于 .docx 自评报告"
        )
        return 2
    iset = _setcache.load(args.set, lang)
    # The whole report is read: the Result built at once (never by the fast path first).
    result = _api.score_subject(iset, args.data, strict=args.strict, lang=lang, quick=False)
    _output.write(result, out, template=args.template)
    return 0


def cmd_batch(args: argparse.Namespace, lang: Lang) -> int:
    import tempfile

    from . import _batch, _setcache
    from ._columns import reading_for
    from ._messages import message
    from ._sources import rows_of

    iset = _setcache.load(args.set, lang)
    out = args.output
    suffix = Path(out).suffix.lower()
    if suffix not in (".csv", ".jsonl", ".xlsx"):
        return _bad_output(out, ".csv, .jsonl, .xlsx", lang)
    target = Path(out)
    if not target.parent.is_dir():
        _err(
            f"kpiscore: the folder for -o does not exist: {target.parent}"
            if lang == "en"
            else f"kpiscore: -o 的目录不存在：{target.parent}"
        )
        return 2
    if args.reports is not None:
        Path(args.reports).mkdir(parents=True, exist_ok=True)
    opts = _batch.Options(
        suffix, _batch.columns_for(iset), args.strict, lang, args.explain, args.reports
    )
    headers = _batch.headers_for(iset, lang)
    reading = reading_for(iset, lang)
    jobs = args.jobs if args.jobs > 0 else _batch.default_jobs()
    lines = _batch.lines(iset, args.set, rows_of(args.rows, lang, reading), opts, jobs)
    progress = _batch.Progress(lang, None if args.quiet else _batch.expected_rows(args.rows))
    progress.on = progress.on and not args.quiet
    # Rows are written as they are scored (a large batch never sits in memory),
    # into a temporary file that replaces OUT only when the batch is done: a
    # refused input or an interruption leaves no half-written output behind.
    fd, tmp_name = tempfile.mkstemp(prefix=".kpiscore-", suffix=suffix, dir=target.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        scored, bad = _write_batch(lines, opts, headers, tmp, reading.notes, progress, iset.name)
        if scored + bad == 0:
            _err(f"kpiscore: {message('empty_batch', lang, file=args.rows)}")
            return 1
        _readable(tmp)
        os.replace(tmp, target)
    finally:
        progress.clear()
        tmp.unlink(missing_ok=True)
    return 1 if bad else 0


def _readable(path: Path) -> None:
    """A batch output gets the mode any new file would (mkstemp makes it private, 0600)."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, 0o666 & ~mask)


MAX_SHOWN_PROBLEMS = 20


def _write_batch(
    lines: Iterable[_Line],
    opts: _Options,
    headers: Sequence[str],
    path: Path,
    notes: list[str],
    progress: _Progress,
    sheet: str,
) -> tuple[int, int]:
    import csv
    from collections import Counter

    from ._batch import summary

    scored = bad = problems = 0
    grades: Counter[str] = Counter()
    kept: list[dict[str, str]] = []  # only .xlsx needs every row at the end
    with open(
        path, "w", encoding="utf-8-sig" if opts.suffix == ".csv" else "utf-8", newline=""
    ) as fh:
        if opts.suffix == ".csv":
            csv.writer(fh, lineterminator="\n").writerow(headers)
        for line in lines:
            if notes or line.error or (line.problem and problems <= MAX_SHOWN_PROBLEMS):
                progress.clear()
            while notes:  # what the source noted about the file, before its first row
                _err(notes.pop(0))
            if line.error is not None:
                bad += 1
                _err(line.error)
            else:
                scored += 1
                grades[line.grade or "—"] += 1
                if line.problem is not None:
                    _show_problem(line.problem, problems, opts.lang)
                    problems += 1
            if line.cells is not None:
                kept.append(line.cells)
            else:
                fh.write(line.text)
            progress.step()
    if opts.suffix == ".xlsx":
        from ._render import xlsx

        xlsx.batch(kept, list(opts.columns), list(headers), str(path), sheet)
    progress.clear()
    if scored + bad:
        _err(summary(scored, bad, problems, grades, opts.lang))
    return scored, bad


def _show_problem(text: str, shown: int, lang: Lang) -> None:
    """One line per batch row that is incomplete or differs from its claimed scores."""
    if shown < MAX_SHOWN_PROBLEMS:
        _err(text)
    elif shown == MAX_SHOWN_PROBLEMS:
        more = (
            "(more rows with problems: see the output file)"
            if lang == "en"
            else "（更多有问题的行见输出文件）"
        )
        _err("…" + more)


def cmd_test(args: argparse.Namespace, lang: Lang) -> int:
    from . import _setcache
    from ._cases import run_cases

    iset = _setcache.load(args.set, lang)
    outcomes = run_cases(iset, args.cases, lang)
    failed = 0
    for case in outcomes:
        where = f"  ({Path(args.cases).name}:{case.line})" if case.line else ""
        if case.passed:
            print(f"✓ {case.name}")
            continue
        failed += 1
        print(f"✗ {case.name}{where}")
        for line in case.failures:
            print("    " + line.replace("\n", "\n    "))
    passed = len(outcomes) - failed
    print(
        f"{len(outcomes)} cases: {passed} passed, {failed} failed"
        if lang == "en"
        else f"共 {len(outcomes)} 个用例：{passed} 个通过，{failed} 个未通过"
    )
    return 1 if failed else 0


def cmd_diff(args: argparse.Namespace, lang: Lang) -> int:
    from . import _setcache
    from ._changes import change_to_dict, compare_sets, describe, set_changes, summarize

    old, new = _setcache.load(args.old, lang), _setcache.load(args.new, lang)
    changes = list(compare_sets(old, new, args.rows, lang=lang))
    failed = [c for c in changes if c.error_before is not None or c.error_after is not None]
    for c in failed:
        _err(c.error_after or c.error_before or "")
    if args.format == "json":
        doc = {
            "old": old.id,
            "new": new.id,
            "set_changes": set_changes(old, new, lang),
            "subjects": [change_to_dict(c) for c in changes],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return 1 if failed else 0
    about = set_changes(old, new, lang)
    if about:
        print("What changed in the set:" if lang == "en" else "指标体系的变化：")
        print("\n".join(f"- {line}" for line in about))
        print()
    shown = [c for c in changes if c.changed or args.all]
    for c in shown:
        print("\n".join(describe(c, lang)))
    summary = summarize(changes, lang)
    print(("\n" if shown else "") + summary)
    return 1 if failed else 0


def cmd_import(args: argparse.Namespace, lang: Lang) -> int:
    from ._import import import_table
    from ._output import file_name

    source = Path(args.table)
    tables = import_table(source, lang=lang)
    base = Path(args.output) if args.output else source.with_suffix("")
    for t in tables:
        folder = base / file_name(t.sheet, "sheet") if len(tables) > 1 else base
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "set.yaml").write_text(t.set_yaml(), encoding="utf-8")
        (folder / "data.yaml").write_text(t.data_yaml(), encoding="utf-8")
        for line in t.decisions:
            print(f"- {line}")
        print(
            f"wrote {folder / 'set.yaml'} and {folder / 'data.yaml'}"
            if lang == "en"
            else f"已写出 {folder / 'set.yaml'} 和 {folder / 'data.yaml'}"
        )
    return 0


def cmd_audit(args: argparse.Namespace, lang: Lang) -> int:
    from ._audit import audit
    from ._render import audit as audit_render

    out = Path(args.output)
    if out.suffix.lower() not in (".csv", ".xlsx"):
        return _bad_output(args.output, ".csv, .xlsx", lang)
    rows = []
    for row in audit(args.files, lang):
        rows.append(row)
        if row.error is not None:
            _err(f"{row.file}: {row.error}")
        elif not row.agrees:
            _err(audit_render.screen_line(row, lang))
    audit_render.write(rows, out, lang)
    agree = sum(r.agrees for r in rows)
    unreadable = sum(r.error is not None for r in rows)
    differ = len(rows) - agree - unreadable
    _err(
        f"{len(rows)} table(s): {agree} agree, {differ} differ, {unreadable} unreadable"
        if lang == "en"
        else f"共 {len(rows)} 张表：一致 {agree} 张，不一致 {differ} 张，无法读取 {unreadable} 张"
    )
    return 0 if rows and agree == len(rows) else 1


COMMANDS = {
    "import": cmd_import,
    "audit": cmd_audit,
    "check": cmd_check,
    "score": cmd_score,
    "report": cmd_report,
    "batch": cmd_batch,
    "test": cmd_test,
    "diff": cmd_diff,
}


def main(argv: Sequence[str] | None = None) -> int:
    # pydantic (asked only about a set the plain reader leaves to it) looks for
    # plugins (observability hooks) through every installed package's metadata when
    # the first model is built: a command line that uses none skips the scan (a
    # user's own setting is kept).
    os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    lang: Lang = "en" if (args.lang or os.environ.get("KPISCORE_LANG")) == "en" else "zh"
    if args.command is None:
        parser.print_help(sys.stderr)
        return 2
    try:
        if args.command == "schema":
            from ._result_schema import result_schema

            shown = result_schema() if args.result else schema()
            print(json.dumps(shown, ensure_ascii=False, indent=2))
            return 0
        return COMMANDS[args.command](args, lang)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        return _failed(exc, lang)


def _failed(exc: Exception, lang: Lang) -> int:
    """What went wrong, in the user's words: never a traceback."""
    from ._messages import os_reason
    from .errors import KpiscoreError

    if isinstance(exc, KpiscoreError):
        return _report_error(exc)
    if isinstance(exc, BrokenPipeError):  # `kpiscore schema | head`: the reader has gone
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0
    if isinstance(exc, OSError):  # writing an output, mostly: name the file and the reason
        where = f" {exc.filename}" if exc.filename else ""
        reason = os_reason(exc, lang)
        _err(
            f"kpiscore: cannot read or write{where}: {reason}"
            if lang == "en"
            else f"kpiscore：无法读写{where}：{reason}"
        )
        return 1
    if isinstance(exc, (MemoryError, RecursionError)):
        _err(f"kpiscore: {type(exc).__name__}")
        return 1
    # A bug in kpiscore, not the user's input: say so, briefly.
    if os.environ.get("KPISCORE_DEBUG"):
        raise exc
    _err(
        f"kpiscore: internal error ({type(exc).__name__}: {exc}); set KPISCORE_DEBUG=1 for details"
    )
    return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
