"""Every sentence kpiscore says to a person, in Chinese and English.

Messages are keyed by a stable code so that the code a developer branches on
and the words an officer reads can never drift apart.
"""

from __future__ import annotations

import bisect
import difflib
import errno
import functools
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Literal

Lang = Literal["zh", "en"]

_CATALOGUE: dict[str, tuple[str, str]] = {
    # --- reading the file -------------------------------------------------
    "file_not_found": ("找不到文件 {file}", "File not found: {file}"),
    "cannot_read": ("无法读取文件 {file}：{reason}", "Cannot read {file}: {reason}"),
    "file_too_large": (
        "文件有 {size} 字节，超过上限 {limit} 字节；指标体系或数据文件不应这么大",
        "The file has {size} bytes, over the limit of {limit}",
    ),
    "not_utf8": (
        "文件不是 UTF-8 编码（第 {offset} 字节附近无法解码）；请在编辑器中另存为 UTF-8",
        "The file is not UTF-8 (cannot decode near byte {offset}); save it as UTF-8",
    ),
    "file_gbk": (
        "文件是 GBK/GB18030 编码，kpiscore 需要 UTF-8：请在编辑器中另存为 UTF-8（记事本：另存为 → 编码选“UTF-8”）",
        "The file is GBK/GB18030; kpiscore needs UTF-8: save it as UTF-8 (Notepad: Save As → Encoding 'UTF-8')",
    ),
    "file_utf16": (
        "文件是 UTF-16 编码（记事本的“Unicode”），kpiscore 需要 UTF-8：请另存为 UTF-8（记事本：另存为 → 编码选“UTF-8”）",
        "The file is UTF-16 (Notepad's 'Unicode'); kpiscore needs UTF-8: save it as UTF-8 (Notepad: Save As → Encoding 'UTF-8')",
    ),
    "csv_utf16": (
        "CSV 文件是 UTF-16 编码（Excel 的“Unicode 文本”），kpiscore 需要 UTF-8：请在 Excel 中“另存为” → 选择“CSV UTF-8（逗号分隔）”",
        "The CSV file is UTF-16 (Excel's 'Unicode Text'); kpiscore needs UTF-8: in Excel use Save As → 'CSV UTF-8 (Comma delimited)'",
    ),
    "csv_unclosed_quote": (
        "第 {line} 行的引号没有闭合（或一格超过 10000 个字符），这一行没有计分；后面的行照常读取。请检查这一行的双引号",
        "The quote opened on line {line} is never closed (or a cell is over 10000 characters); that line is not scored, the lines after it are read as usual. Check its double quotes",
    ),
    "too_many_columns": (
        "表格有 {count} 列，超过上限 {limit} 列；一份批量数据的列数通常只有几十列",
        "The table has {count} columns, over the limit of {limit}",
    ),
    "no_header": (
        "前 {rows} 行中没有找到表头：表头应有“项目名称”（或 subject）一列，以及本指标体系读取的数据名称；第 {line} 行是：{found}",
        "No header in the first {rows} rows: it needs a 项目名称 (or subject) column and the value names this set reads; line {line} reads: {found}",
    ),
    "column_misspelt": (
        "列名 '{column}' 不是本指标体系读取的名称；是不是 '{close}'？请改正表头后再计分（不改正，这一列的值每一行都会被忽略）",
        "The column '{column}' is not a name this set reads; did you mean '{close}'? Correct the header and score again (otherwise every row loses this column)",
    ),
    "column_twice": (
        "列 '{column}' 与列 '{id}' 是同一项数据：请只保留一列",
        "The columns '{column}' and '{id}' are the same value: keep only one",
    ),
    "columns_not_read": (
        "这些列不属于本指标体系，没有读取：{columns}",
        "These columns are not part of the set and were not read: {columns}",
    ),
    "empty_batch": (
        "{file} 中没有数据行：没有可以计分的内容",
        "{file} has no data rows: nothing to score",
    ),
    "xlsx_no_visible_sheet": (
        "这个 Excel 文件没有可见的工作表",
        "This Excel file has no visible sheet",
    ),
    "xlsx_hidden_skipped": (
        "已跳过隐藏的工作表：{sheets}",
        "Hidden sheets skipped: {sheets}",
    ),
    "xlsx_sheet_used": (
        "读取的工作表：{sheet}（当前活动的工作表）",
        "Sheet read: {sheet} (the active sheet)",
    ),
    "xlsx_merged_across": (
        "合并单元格 {ref} 横跨多列，无法确定每一列的值：请取消合并，并在每一格填写",
        "The merged cells {ref} span several columns, so no column's value is certain: unmerge them and fill each cell",
    ),
    "formula_not_computed": (
        "单元格公式 '{formula}' 没有计算结果：请在 Excel 中打开并保存，再读取",
        "The cell formula '{formula}' has no computed value: open the file in Excel and save it, then read it again",
    ),
    "bad_xlsx": (
        "无法读取这个 Excel 文件（不是有效的 .xlsx，或已损坏）；请用 Excel 重新保存为 .xlsx，或另存为 CSV UTF-8",
        "Cannot read this Excel file (not a valid .xlsx, or damaged); save it again as .xlsx, or as CSV UTF-8",
    ),
    "needs_openpyxl": (
        "读取 .xlsx 需要 openpyxl：pip install 'kpiscore[excel]'，或另存为 CSV UTF-8",
        "Reading .xlsx needs openpyxl: pip install 'kpiscore[excel]', or save as CSV UTF-8",
    ),
    "csv_gbk": (
        "CSV 文件是 GBK/GB18030 编码（Excel 的“CSV（逗号分隔）”默认如此），kpiscore 需要 UTF-8："
        "请在 Excel 中“另存为” → 选择“CSV UTF-8（逗号分隔）”",
        "The CSV file is GBK/GB18030 (Excel's default 'CSV (Comma delimited)' on Chinese systems); kpiscore needs UTF-8: "
        "in Excel use Save As → 'CSV UTF-8 (Comma delimited)'",
    ),
    "nul_byte": (
        "文件中有 NUL 字符（\\0），这不是文本文件",
        "The file contains a NUL character; it is not a text file",
    ),
    "empty_file": ("文件是空的", "The file is empty"),
    "looks_like_text": (
        "load() 读取的是文件路径或内置指标体系的 id；这段内容看起来是 YAML 文本：请用 kpiscore.loads(text)",
        "load() takes a file path or a shipped set's id; this looks like YAML text: use kpiscore.loads(text)",
    ),
    "ambiguous_set": (
        "'{name}' 既是内置指标体系的 id，也是当前文件夹中的文件：要用文件请写 ./{file}，要用内置的请先改名或换个文件夹",
        "'{name}' is both a shipped set's id and a file in this folder: write ./{file} for the file, or rename it to use the shipped set",
    ),
    "not_a_mapping_value": (
        "指标体系中只能有文字、数字、true/false、列表和映射，这里是 {found}",
        "An indicator set holds only text, numbers, true/false, lists and mappings, not {found}",
    ),
    "yaml_syntax": ("YAML 语法错误：{problem}", "YAML syntax error: {problem}"),
    "too_many_issues": (
        "问题超过 {limit} 个，后面的不再列出；请先修改以上问题再检查",
        "More than {limit} problems; the rest are not listed. Fix these and check again",
    ),
    "too_many_values": (
        "文件中的值超过 {limit} 个，在此处停止读取；一个指标体系通常只有几百个值，一份数据至多 10000 个",
        "The file holds more than {limit} values; reading stopped here. A set usually has a few hundred, a data file at most 10000",
    ),
    "too_deep": (
        "嵌套超过 {limit} 层；指标体系不需要这么深的结构",
        "Nesting is deeper than {limit} levels",
    ),
    "data_too_deep": (
        "数据嵌套超过 {limit} 层；项目数据不需要这么深的结构（values 下每项是一个数、一段文字或一个等级）",
        "The data nests deeper than {limit} levels; project data needs no such depth (each value is a number, a text or a level)",
    ),
    "duplicate_key": (
        "键 '{key}' 重复：第 {first} 行已经写过，第 {line} 行又写了一次；请删掉其中一个",
        "Duplicate key '{key}': already given on line {first}, again on line {line}; remove one",
    ),
    "alias_refused": (
        "不支持 YAML 锚点和别名（& 与 *）：请把内容直接写出来",
        "YAML anchors and aliases (& and *) are not supported: write the content out",
    ),
    "merge_key_refused": (
        "不支持合并键 '<<'：请把每个键直接写出来",
        "The merge key '<<' is not supported: write each key out",
    ),
    "tag_refused": (
        "不支持 YAML 标签 '{tag}'：请删掉它",
        "YAML tags such as '{tag}' are not supported: remove it",
    ),
    "ambiguous_boolean": (
        "'{value}' 在 YAML 里可能被读成“是/否”：如果是文字，请加引号写成 \"{value}\"；"
        "如果表示是/否，请写 true 或 false",
        "'{value}' may be read as yes/no by YAML: if it is text, quote it as \"{value}\"; "
        "if it means yes/no, write true or false",
    ),
    "complex_key": ("键必须是简单的文字", "A key must be plain text"),
    "looks_like_data": (
        "这是一份数据文件（有 values 等），不是指标体系。顺序是：kpiscore score 指标体系.yaml 数据.yaml",
        "This is a data file (it has values and the like), not an indicator set. The order is: kpiscore score SET.yaml DATA.yaml",
    ),
    "looks_like_cases": (
        "这是一份用例文件（有 cases），不是指标体系。顺序是：kpiscore test 指标体系.yaml 用例.yaml",
        "This is a case file (it has cases), not an indicator set. The order is: kpiscore test SET.yaml CASES.yaml",
    ),
    "looks_like_set": (
        "这是一份指标体系（有 indicators），不是数据文件。顺序是：kpiscore score 指标体系.yaml 数据.yaml",
        "This is an indicator set (it has indicators), not a data file. The order is: kpiscore score SET.yaml DATA.yaml",
    ),
    "not_a_mapping": (
        "文件顶层应是“键: 值”的映射，实际是{found}",
        "The top level must be a mapping of key: value, found {found}",
    ),
    # --- shape of the set -------------------------------------------------
    "unknown_key": ("未知的键 '{key}'。{hint}", "Unknown key '{key}'. {hint}"),
    "missing_key": ("缺少必填的键 '{key}'", "Missing required key '{key}'"),
    "wrong_type": (
        "'{key}' 应为{expected}，实际是{found}{hint}",
        "'{key}' must be {expected}, found {found}{hint}",
    ),
    "not_finite": (
        "'{key}' 应为有限的数字，实际是 {value}",
        "'{key}' must be a finite number, found {value}",
    ),
    "number_too_large": (
        "数字 {value} 超出允许范围（绝对值不超过 {limit}，有效数字不超过 {digits} 位）",
        "The number {value} is out of range (absolute value at most {limit}, at most {digits} digits)",
    ),
    "invalid_choice": (
        "'{value}' 不是 '{key}' 的有效取值。{hint}",
        "'{value}' is not a valid value for '{key}'. {hint}",
    ),
    "bad_version": (
        "格式版本 kpiscore 应为 1，实际是 {value}；这个版本的 kpiscore 只能读取格式 1",
        "The format version 'kpiscore' must be 1, found {value}; this kpiscore reads format 1 only",
    ),
    "bad_id": (
        "id '{value}' 只能由小写字母、数字、下划线和连字符组成（[a-z0-9_-]+），如 execution_rate",
        "The id '{value}' may contain only lowercase letters, digits, _ and - ([a-z0-9_-]+), "
        "e.g. execution_rate",
    ),
    "out_of_range": (
        "'{key}' 应在 {low} 到 {high} 之间，实际是 {value}",
        "'{key}' must be between {low} and {high}, found {value}",
    ),
    "text_too_long": (
        "'{key}' 的文字长度 {length} 超过上限 {limit}",
        "'{key}' is {length} characters long, over the limit of {limit}",
    ),
    "formula_null": (
        "'{key}' 写了键却没有公式（值为空/null）：写上公式，或删去这一行以使用默认值",
        "'{key}' has a key but no formula (the value is empty/null): write the formula, or delete the line to use the default",
    ),
    "unsafe_text": (
        "'{key}' 中有控制字符或文字方向控制符（可能来自复制粘贴）；请删去后重新输入",
        "'{key}' contains control or text-direction characters (often from copy and paste); delete and retype it",
    ),
    "empty_text": ("'{key}' 不能为空", "'{key}' must not be empty"),
    "list_length": (
        "'{key}' 应有 {expected} 个元素，实际有 {found} 个",
        "'{key}' must have {expected} items, found {found}",
    ),
    "too_many_items": (
        "'{key}' 有 {found} 项，超过上限 {limit}",
        "'{key}' has {found} items, over the limit of {limit}",
    ),
    "parameter_not_for_rule": (
        "参数 '{param}' 不属于计分规则 '{rule}'；该规则可用的参数：{allowed}",
        "The parameter '{param}' does not belong to the rule '{rule}'; its parameters are: {allowed}",
    ),
    "missing_parameter": (
        "计分规则 '{rule}' 需要参数 '{param}'",
        "The rule '{rule}' needs the parameter '{param}'",
    ),
    # --- meaning of the set -----------------------------------------------
    "weights_do_not_add_up": (
        "一级指标“{name}”（{id}）的分值是 {expected}，其下三级指标的分值合计是 {found}"
        "（{detail}），相差 {diff}",
        "The category '{name}' ({id}) has weight {expected}, but its indicators add up to "
        "{found} ({detail}), a difference of {diff}",
    ),
    "weight_finer_than_precision": (
        "三级指标“{name}”（{id}）的分值 {weight} 有 {places} 位小数，多于 precision: {precision}"
        "：得分四舍五入到 {precision} 位后，满分也不再等于分值（如分值 0.5 得 1 分），总分可能超过满分"
        "；请把 precision 设为至少 {places}，或把分值的小数减到 {precision} 位",
        "The indicator '{name}' ({id}) has weight {weight}, with {places} decimal place(s), "
        "more than precision: {precision}: rounded to {precision} place(s), a full score no "
        "longer equals the weight (weight 0.5 scores 1) and the total may exceed the full "
        "score; set precision to at least {places}, or give the weight {precision} place(s)",
    ),
    "deduct_finer_than_precision": (
        "扣分项“{name}”扣 {deduct} 分，有 {places} 位小数，多于 precision: {precision}"
        "：扣分后的总分会多出 precision 不保留的小数位；请把 precision 设为至少 {places}，"
        "或把扣分的小数减到 {precision} 位",
        "The penalty '{name}' deducts {deduct}, with {places} decimal place(s), more than "
        "precision: {precision}: the total after it would carry places the set does not "
        "keep; set precision to at least {places}, or give the deduction {precision} place(s)",
    ),
    "categories_do_not_add_up": (
        "一级指标的分值合计是 {found}（{detail}），应等于满分 full_score {expected}，相差 {diff}",
        "The categories add up to {found} ({detail}); they must add up to full_score "
        "{expected}, a difference of {diff}",
    ),
    "duplicate_id": (
        "id '{id}' 重复：{first} 已经使用了它；每个{what}的 id 必须唯一",
        "The id '{id}' is used twice: {first} already has it; every {what} id must be unique",
    ),
    "unknown_category": (
        "一级指标 '{value}' 不存在。{hint}",
        "There is no category '{value}'. {hint}",
    ),
    "empty_category": (
        "一级指标“{name}”（{id}）下没有任何三级指标",
        "The category '{name}' ({id}) has no indicators",
    ),
    "target_needs_operator": (
        '目标 \'{value}\' 缺少比较符：达到或超过即得满分请写 ">= {value}"，越小越好请写 "<= {value}"，'
        '必须恰好相等请写 "= {value}"',
        "The target '{value}' has no comparison: write \">= {value}\" when reaching it earns full marks, "
        '"<= {value}" when lower is better, "= {value}" when it must be exact',
    ),
    "bad_target": (
        '无法识别目标值 \'{value}\'：应写成“运算符 数字 [%] [单位]”，如 ">= 95%"、"<= 2 天"、'
        '"= 100 个"（运算符为 >= > <= < = 或 ≥ ≤ ＝），或写定性等级名称',
        "Cannot read the target '{value}': write 'OPERATOR NUMBER [%] [UNIT]', e.g. '>= 95%', "
        "'<= 2 天', '= 100 个' (operators >= > <= < = or ≥ ≤ ＝), or a qualitative level name",
    ),
    "unknown_level": (
        "定性目标 '{value}' 不是已定义的等级。{hint}",
        "The qualitative target '{value}' is not a defined level. {hint}",
    ),
    "missing_target": (
        "计分规则 '{rule}' 需要目标值 target（如 \">= 15 个\"）",
        "The rule '{rule}' needs a target (e.g. '>= 15 个')",
    ),
    "rule_target_mismatch": (
        "计分规则 '{rule}' 不适用于目标 '{target}'：{why}",
        "The rule '{rule}' does not fit the target '{target}': {why}",
    ),
    "bands_not_ordered": (
        "第 {index} 档（{when}）永远用不到：第 {prev} 档（{prev_when}）已经包含了它；"
        "分档按从上到下第一个成立的计分，请把更严格的条件放在前面",
        "Band {index} ({when}) can never apply: band {prev} ({prev_when}) already covers it; "
        "the first band that holds scores, so put stricter conditions first",
    ),
    "bands_no_catch_all": (
        "最后一档带有条件，没有“其他情况”档：不满足任何条件的值将得 0 分；"
        "可加一档 {{score: 0}} 明确表示",
        "The last band has a condition and there is no catch-all: values that meet no band "
        "score 0; add a band {{score: 0}} to say so",
    ),
    "catch_all_not_last": (
        "没有条件的档（其他情况）必须放在最后，它后面的档永远用不到",
        "A band without a condition (the catch-all) must come last; bands after it never apply",
    ),
    "band_score_out_of_range": (
        "档位分值 {value} 超出 [0, {weight}]（指标分值）",
        "The band score {value} is outside [0, {weight}] (the indicator's weight)",
    ),
    "level_range_invalid": (
        "等级“{label}”的区间 [{low}, {high}] 应在 [0, 1] 之内，且下限不大于上限",
        "The level '{label}' has range [{low}, {high}]; it must lie within [0, 1] with low ≤ high",
    ),
    "levels_overlap": (
        "等级“{a}”[{a_low}, {a_high}] 与“{b}”[{b_low}, {b_high}] 重叠；相邻等级只能共用端点",
        "The level '{a}' [{a_low}, {a_high}] overlaps '{b}' [{b_low}, {b_high}]; "
        "neighbouring levels may share only an end point",
    ),
    "duplicate_level": (
        "等级名称或别名 '{label}' 重复",
        "The level name or alias '{label}' is used twice",
    ),
    "unit_mismatch": (
        "目标的单位 '{target_unit}' 与输入 '{input}' 声明的单位 '{input_unit}' 不一致",
        "The target's unit '{target_unit}' differs from the unit '{input_unit}' declared "
        "for the input '{input}'",
    ),
    "checklist_points_exceed_weight": (
        "清单各项分值合计 {found}，超过指标分值 {weight}",
        "The checklist items add up to {found}, over the indicator's weight {weight}",
    ),
    "checklist_points_below_weight": (
        "清单各项分值合计 {found}，低于指标分值 {weight}：即使全部满足也拿不到满分",
        "The checklist items add up to {found}, below the weight {weight}: "
        "full marks are out of reach",
    ),
    "grades_not_ordered": (
        "grades 应按下限从高到低排列：'{label}' 的下限 {value} 不低于上一档的 {prev}",
        "grades must go from the highest lower bound down: '{label}' has {value}, "
        "not below the previous {prev}",
    ),
    "grade_above_full_score": (
        "等级 '{label}' 的下限 {value} 高于满分 {full}",
        "The grade '{label}' starts at {value}, above full_score {full}",
    ),
    "grades_no_zero": (
        "最低等级 '{label}' 的下限是 {value}：低于它的总分将没有等级；建议最低一档从 0 开始",
        "The lowest grade '{label}' starts at {value}: totals below it get no grade; "
        "start the lowest grade at 0",
    ),
    "unknown_grade": ("等级 '{value}' 未在 grades 中定义。{hint}", "No grade '{value}'. {hint}"),
    "penalty_needs_effect": (
        "扣罚 '{name}' 需要 deduct（扣分）或 grade（直接定级）",
        "The penalty '{name}' needs deduct (points) or grade (a fixed grade)",
    ),
    "bad_template": (
        "说明模板中的 {{{field}}} 无法使用：{why}",
        "The placeholder {{{field}}} in the explain template cannot be used: {why}",
    ),
    # --- formulas ---------------------------------------------------------
    "formula_syntax": (
        "公式语法错误：{problem}",
        "Formula syntax error: {problem}",
    ),
    "formula_forbidden": (
        "公式中不能使用{what}；公式只能包含数字、名称、+ - * / // %、比较、and/or/not、"
        "x if 条件 else y 和内置函数",
        "Formulas may not use {what}; they may contain numbers, names, + - * / // %, "
        "comparisons, and/or/not, x if c else y and the built-in functions",
    ),
    "formula_too_long": (
        "公式有 {length} 个字符，超过上限 {limit}",
        "The formula is {length} characters long, over the limit of {limit}",
    ),
    "formula_too_deep": (
        "公式嵌套超过 {limit} 层",
        "The formula nests deeper than {limit} levels",
    ),
    "formula_too_complex": (
        "公式有 {count} 个部分，超过上限 {limit}",
        "The formula has {count} parts, over the limit of {limit}",
    ),
    "unknown_name": ("名称 '{name}' 未定义。{hint}", "The name '{name}' is not defined. {hint}"),
    "unknown_function": (
        "函数 '{name}' 不可用。{hint}",
        "The function '{name}' is not available. {hint}",
    ),
    "formula_bad_power": (
        "乘方 ** 的指数必须是 0 到 {limit} 之间的整数常量",
        "The exponent of ** must be a whole-number constant from 0 to {limit}",
    ),
    "formula_string_too_long": (
        "公式中的文字有 {length} 个字符，超过上限 {limit}",
        "A text literal in the formula has {length} characters, over the limit of {limit}",
    ),
    "formula_number_too_long": (
        "公式中的数字 '{value}' 位数太多（上限 {limit} 位）",
        "The number '{value}' in the formula has too many digits (limit {limit})",
    ),
    "formula_non_ascii_name": (
        "名称 '{name}' 含有非英文字符；公式中的名称只能用英文字母、数字和下划线，"
        "中文名称写在 inputs 的 name 里",
        "The name '{name}' contains non-ASCII characters; formula names use letters, digits "
        "and _ only (put the Chinese label in the input's name)",
    ),
    "formula_bad_args": (
        "函数 {name} 需要 {expected} 个参数，这里给了 {found} 个",
        "The function {name} takes {expected} arguments, given {found}",
    ),
    "formula_bad_places": (
        "round 的第二个参数（保留小数位数）必须是 0 到 {limit} 之间的整数常量，如 round(x, 2)",
        "The second argument of round (decimal places) must be a whole-number constant from 0 to {limit}, e.g. round(x, 2)",
    ),
    "percent_times_100": (
        "公式 '{formula}' 乘了 100，但目标 '{target}' 是百分比：kpiscore 的百分比就是比例（97.79% 即 0.9779），请去掉 * 100",
        "The formula '{formula}' multiplies by 100, but the target '{target}' is a percentage: kpiscore's percentages are fractions (97.79% is 0.9779), so drop the * 100",
    ),
    "formula_empty": ("公式是空的", "The formula is empty"),
    # --- data and scoring ---------------------------------------------------
    "value_not_finite": (
        "值 '{value}' 不是有限的数字",
        "The value '{value}' is not a finite number",
    ),
    "value_too_large": (
        "值 '{value}' 超出范围（绝对值须小于 1e15，有效数字不超过 30 位）",
        "The value '{value}' is out of range (below 1e15, at most 30 digits)",
    ),
    "value_too_long": (
        "值有 {length} 个字符/项，超过上限 {limit}",
        "The value has {length} characters/items, over the limit of {limit}",
    ),
    "value_wrong_type": (
        "这里应是数字、文字或等级，实际是{found}",
        "Expected a number, text or level here, found {found}",
    ),
    "percent_needs_sign": (
        "'{value}' 是百分比指标的值，但没有写 %：请写成 {number}% 或 {fraction}",
        "'{value}' is a percent value written without %: write {number}% or {fraction}",
    ),
    "value_unit_mismatch": (
        "值 '{value}' 的单位 '{unit}' 与应有的单位 '{expected}' 不一致：请填写以 {expected} 计的数",
        "The value '{value}' is in '{unit}', but '{expected}' is expected: enter the number in {expected}",
    ),
    "percent_not_in_target": (
        "值 '{value}' 带 %，但目标 '{target}' 没有 %：若目标是百分比，请在目标中加上 %（如 '>= 90%'）；若不是，请去掉值中的 %",
        "The value '{value}' has a %, but the target '{target}' has none: if the target is a percentage, add the % to it (e.g. '>= 90%'); if not, remove the % from the value",
    ),
    "percent_not_declared": (
        "值 '{value}' 带 %，但 inputs 中的 '{name}' 不是百分比：若它是百分比，请声明 type: percent；若不是，请去掉值中的 %",
        "The value '{value}' has a %, but '{name}' under inputs is not a percentage: declare type: percent if it is one, or remove the %",
    ),
    "value_bad_unit": (
        "值 '{value}' 中数字后面的 '{unit}' 不是单位，无法确定这个数（是否把数字 0 写成了字母 O，或多了符号？）：请只填写数字和单位",
        "In '{value}', the '{unit}' after the number is no unit, so the number is not certain (a letter O for a zero, or a stray sign?): enter the number and its unit only",
    ),
    "value_multiplier": (
        "值 '{value}' 带有数量级（万、亿、千），但没有声明 '{name}' 的单位：请写成 {plain}，或在 inputs 中为 '{name}' 声明单位（如 unit: 万元）",
        "The value '{value}' carries an order of magnitude (万, 亿, 千) but no unit is declared for '{name}': write {plain}, or declare its unit under inputs (e.g. unit: 万元)",
    ),
    "value_converted": (
        "{id}：'{raw}' 按 {value} 读取（换算成指标体系声明的单位）",
        "{id}: '{raw}' read as {value} (converted to the set's declared unit)",
    ),
    "percent_absurd": (
        "实际值 {value} 不可能是这个百分比：公式或数据是否乘了 100？百分比目标的实际值应是比例（97.79% 即 0.9779），请去掉 × 100",
        "The actual {value} cannot be this percentage: did the formula or the data multiply by 100? Against a % target the actual is a fraction (97.79% is 0.9779): drop the × 100",
    ),
    "missing_value": ("缺少数据 '{name}'{label}", "Missing value '{name}'{label}"),
    "division_by_zero": ("计算时除数为 0", "Division by zero"),
    "deadline_needs_year": (
        "目标 '{target}' 没有写年份：请在数据的 subject 中填写 year（如 year: 2022），或在目标中写明年份",
        "The target '{target}' has no year: give the data's subject a year (e.g. year: 2022), or write the year in the target",
    ),
    "not_a_date": (
        "'{value}' 不是完成时间：请写成日期或月份（如 2022年11月、2022-11-30），或 按时完成 / 延期",
        "'{value}' is no completion time: write a date or month (e.g. 2022年11月, 2022-11-30), or 按时完成 / 延期",
    ),
    "not_a_number": ("需要数字，实际是 '{value}'", "A number is needed, found '{value}'"),
    "not_a_list": ("需要列表，实际是 '{value}'", "A list is needed, found '{value}'"),
    "result_too_large": ("计算结果过大", "The result is too large"),
    "bad_comparison": (
        "无法比较 '{left}' 与 '{right}'（一个是数字，一个是文字？）",
        "Cannot compare '{left}' with '{right}'",
    ),
    "formula_failed": ("公式无法计算", "The formula could not be evaluated"),
    "unknown_level_value": (
        "'{value}' 不是已定义的等级。{hint}",
        "'{value}' is not a defined level. {hint}",
    ),
    "rate_out_of_range": (
        "等级“{level}”的得分比例应在 [{low}, {high}] 之内，实际给了 {rate}",
        "The rate for level '{level}' must lie in [{low}, {high}], given {rate}",
    ),
    "manual_missing": (
        "人工评分指标需要在 manual 中给出 score 和 justification",
        "A manual indicator needs score and justification under manual",
    ),
    "manual_missing_justification": (
        "人工评分必须填写评分理由 justification",
        "A manual score needs a justification",
    ),
    "manual_out_of_range": (
        "人工评分 {value} 超出 [0, {weight}]",
        "The manual score {value} is outside [0, {weight}]",
    ),
    "unknown_item": (
        "清单中没有条目 '{value}'。{hint}",
        "There is no checklist item '{value}'. {hint}",
    ),
    "restates_target": (
        "{id}：'{raw}' 不是确切的完成值（写成了目标、范围或约数），按 {value} 读取；请填写实际完成的数",
        "{id}: '{raw}' is not an exact achieved value (it reads as a target, a bound or an estimate); read as {value}; enter the number achieved",
    ),
    "reason_missing": (
        "{name}（{id}）：偏差原因未填写",
        "{name} ({id}): no reason for deviation given",
    ),
    "indicator_problem": (
        "{name}（{id}）：{problem}，按 0 分计",
        "{name} ({id}): {problem}; scored 0",
    ),
    "check_failed": (
        "一致性检查“{name}”未通过：{left_text} = {left}，{right_text} = {right}，相差 {diff}",
        "Check '{name}' failed: {left_text} = {left}, {right_text} = {right}, difference {diff}",
    ),
    "check_failed_plain": (
        "一致性检查“{name}”未通过：{formula}",
        "Check '{name}' failed: {formula}",
    ),
    "check_not_evaluated": (
        "一致性检查“{name}”无法计算：{problem}",
        "Check '{name}' could not be evaluated: {problem}",
    ),
    "claimed_not_a_number": (
        "claimed 中 '{id}' 的自报得分 '{value}' 不是数字，没有用于复核",
        "The claimed score '{value}' for '{id}' is not a number; it was not compared",
    ),
    "claimed_unknown": (
        "claimed 中的 '{id}' 不是本指标体系的指标。{hint}",
        "'{id}' under claimed is not an indicator of this set. {hint}",
    ),
    "discrepancy": (
        "{id}：自报 {claimed} 分，复核 {computed} 分，相差 {diff}",
        "{id}: claimed {claimed}, recomputed {computed}, difference {diff}",
    ),
    # --- officer-written test cases (kpiscore test) ---------------------------
    "cases_not_a_list": (
        "用例文件应是 cases: 下的用例列表（每个用例有 name、data、expect），至多 10000 个",
        "The case file must hold a list of cases under cases: (each with name, data, expect), at most 10000",
    ),
    "case_not_a_mapping": (
        "第 {number} 个用例应是映射（name、data、expect）",
        "Case {number} must be a mapping (name, data, expect)",
    ),
    "case_needs": (
        "第 {number} 个用例缺少 {key_name}：data 是数据（映射或数据文件路径），expect 是期望的得分（映射）",
        "Case {number} needs {key_name}: data is the data (a mapping or a data file path), expect the expected scores (a mapping)",
    ),
    "case_bad_data": (
        "第 {number} 个用例的 data 应是数据映射，或一个 .yaml/.yml/.json 数据文件的路径",
        "The data of case {number} must be a mapping, or the path of a .yaml/.yml/.json data file",
    ),
    "case_unknown_key": (
        "用例中未知的键 '{name}'。{hint}",
        "Unknown key '{name}' in the case. {hint}",
    ),
    "case_unknown_id": (
        "指标体系中没有 '{name}'。{hint}",
        "The indicator set has no '{name}'. {hint}",
    ),
    "case_bad_value": (
        "'{name}' 的期望值应为 {expected}。{hint}",
        "The expected value of '{name}' must be {expected}. {hint}",
    ),
    "data_unknown_key": (
        "数据中未知的键 '{key}'。{hint}",
        "Unknown key '{key}' in the data. {hint}",
    ),
    "data_not_mapping": (
        "数据应为“键: 值”的映射（subject:、values: 等各节，或表格的一行），实际是{found}",
        "The data must be a mapping (key: value — sections such as subject: and values:, or one table row); found {found}",
    ),
    "data_wrong_type": (
        "数据中的 '{key}' 应为{expected}",
        "'{key}' in the data must be {expected}",
    ),
    "set_mismatch": (
        "数据写明 indicator_set: {data}，但使用的指标体系是 {set}",
        "The data names indicator_set {data}, but the set used is {set}",
    ),
    "template_not_found": ("找不到 Word 模板 {file}", "The Word template {file} is not found"),
    "template_unreadable": (
        "无法打开 Word 模板 {file}（不是 .docx 文件，或已损坏）；请用 Word 另存为 .docx 后再试",
        "Cannot open the Word template {file} (not a .docx, or damaged); save it from Word as .docx and try again",
    ),
    "template_unknown_variable": (
        "Word 模板 {file} 用了不存在的变量 '{name}'。{hint}可用的变量见《指标体系编写指南》第八节",
        "The Word template {file} uses '{name}', which is not a variable. {hint}The variables are listed in section 八 of the guide",
    ),
    "template_syntax": (
        "Word 模板 {file} 中的占位符写法有误：{{{{ }}}} 或 {{% %}} 没有配对或写错（Jinja 的说明：{detail}）",
        "The Word template {file} has a placeholder written wrongly: a {{{{ }}}} or {{% %}} is unpaired or misspelt (Jinja says: {detail})",
    ),
    "import_read": (
        "工作表“{sheet}”：第 {line} 行是指标表的表头，读取了 {rows} 行指标",
        "Sheet '{sheet}': the indicator table's header is row {line}; {rows} indicator rows read",
    ),
    "import_hidden_sheet": (
        "隐藏的工作表“{sheet}”未读取（常见于模板或说明页）",
        "The hidden sheet '{sheet}' is not read (usually a template or notes)",
    ),
    "import_no_table": (
        "工作表“{sheet}”中没有找到自评表：需要一行写有 三级指标、年度指标值（或 指标值）和 实际完成值（或 实际值）的表头",
        "No self-evaluation table on sheet '{sheet}': a header row naming 三级指标, 年度指标值 (or 指标值) and 实际完成值 (or 实际值) is needed",
    ),
    "import_sheet_skipped": (
        "工作表“{sheet}”没有指标表的表头，不是自评表，未读取",
        "Sheet '{sheet}' has no indicator table header: not a self-evaluation table, not read",
    ),
    "import_uncomputed": (
        "单元格 {cells} 的公式在 Excel 中从未计算，没有值：按空白读取；请在 Excel 中打开并保存后再导入",
        "The formulas in {cells} were never computed by Excel and hold no value: read as blank; open and save the file in Excel, then import again",
    ),
    "import_execution_in_table": (
        "预算执行率已在指标表中，资金块中的分值、执行率、得分不再另作一项",
        "The execution rate is a row of the indicator table: the funds block's weight, rate and score are not added again",
    ),
    "import_execution_note": (
        "取自资金块的 分值、执行率、得分：执行数/预算数，目标 100%",
        "From the funds block's weight, rate and score: spent / budget, target 100%",
    ),
    "import_no_weight": (
        "第 {line} 行“{name}”的分值是 '{value}'，不是数字：分值留空，请填写（check 会指出）",
        "Row {line} '{name}': the weight '{value}' is not a number; left for you to fill (check names it)",
    ),
    "import_no_weight_column": (
        "表中没有“分值”列：各指标的分值留空，请填写（不会用得分代替分值；check 会逐项指出）",
        "The table has no 分值 (weight) column: the weights are left for you to fill (the scores are never used as weights; check names each)",
    ),
    "import_bare_target": (
        "原表目标写作“{target}”，没有写 ≥ 或 ≤：按“≥ {target}”（越高越好）读取，请核对",
        "The table writes the target as '{target}' without ≥ or ≤: read as '≥ {target}' (higher is better); please check",
    ),
    "import_bare_target_said": (
        "第 {line} 行目标“{target}”没有写 ≥ 或 ≤，按 ≥ 读取（已在 set.yaml 中注明）",
        "Row {line}: the target '{target}' has no ≥ or ≤; read as ≥ (noted in set.yaml)",
    ),
    "import_level_target": (
        "原表目标写作“{target}”，按等级“{level}”读取",
        "The table writes the target as '{target}': read as the level '{level}'",
    ),
    "import_manual": (
        "原表目标“{target}”无法识别为数值、日期或等级：改为人工评分（manual），请在数据的 manual 中给出分数和理由",
        "The target '{target}' is not a number, a date or a level: scored by hand (manual); give the score and the reason under manual in the data",
    ),
    "audit_manual_taken": (
        "{name}（{id}）按人工评分，规则无法复核：采用自报得分 {score}",
        "{name} ({id}) is scored by hand and cannot be re-scored by rule: the unit's own {score} is taken",
    ),
    "import_manual_said": (
        "第 {line} 行“{name}”的目标“{target}”无法识别，改为人工评分，需要人工给分",
        "Row {line} '{name}': the target '{target}' cannot be read; scored by hand (manual)",
    ),
    "import_manual_blank": (
        "原表没有填写目标：改为人工评分（manual），请在数据的 manual 中给出分数和理由",
        "The table gives no target: scored by hand (manual); give the score and the reason under manual in the data",
    ),
    "import_manual_blank_said": (
        "第 {line} 行“{name}”没有填写目标，无法确定计分规则：改为人工评分，需要人工给分",
        "Row {line} '{name}': no target is given, so no rule can be chosen; scored by hand (manual)",
    ),
    "import_marked_missing": (
        "第 {line} 行的实际值写作“{value}”（kpiscore 的标记），按缺数据读取",
        "Row {line}: the actual reads '{value}' (kpiscore's marker): read as missing",
    ),
    "import_weights_differ": (
        "各指标分值合计 {found}，而原表总分一栏写作 {printed}：按原表的分值导入，满分按 {found} 计，请核对",
        "The weights add up to {found} while the table prints {printed} as the full score: imported as written, the full score taken as {found}; please check",
    ),
    "subject_unknown_key": (
        "subject.{key}：不是自评表表头的项目（name、department、org、year、contact、funds、goals），已保留但不会填入表中{hint}",
        "subject.{key}: not a field of the form's header (name, department, org, year, contact, funds, goals); kept, but not placed on the form{hint}",
    ),
    "funds_unknown": (
        "subject.funds.{key}：项目资金的行是 total、fiscal、carryover、other，列是 initial、budget、spent，这一项已忽略{hint}",
        "subject.funds.{key}: the funds rows are total, fiscal, carryover, other and the columns initial, budget, spent; ignored{hint}",
    ),
    "funds_not_a_number": (
        "subject.funds.{key}：'{value}' 不是金额（万元），这一格留空",
        "subject.funds.{key}: '{value}' is not an amount (万元); the cell is left empty",
    ),
    "funds_converted": (
        "subject.funds.{key}：'{raw}' 按 {value} 万元填入",
        "subject.funds.{key}: '{raw}' entered as {value} 万元",
    ),
    "goals_not_text": (
        "subject.goals.{key}：年度总体目标应是文字（planned 预期目标，achieved 实际完成情况），已忽略",
        "subject.goals.{key}: goals are text (planned, achieved); ignored",
    ),
    "subject_not_plain": (
        "subject.{key}：项目信息应是文字或数字，这里是列表或映射，已忽略",
        "subject.{key}: subject details are text or numbers; this one is a list or mapping and is ignored",
    ),
    "data_unsafe_text": (
        "数据中有控制字符或文字方向控制符（{where}），已替换为 �；请检查这些单元格",
        "The data holds control or text-direction characters ({where}); they were replaced by �; check these cells",
    ),
    "reason_not_text": (
        "reasons.{id}：偏差原因应是一段文字，这里不是，已忽略",
        "reasons.{id}: a reason for deviation must be text; this one is not and is ignored",
    ),
    "unknown_reason": (
        "偏差原因写在了 '{name}' 下，但没有这个指标，这条原因不会被使用。{hint}",
        "A reason for deviation is given under '{name}', but there is no such indicator; it is not used. {hint}",
    ),
    "unknown_manual": (
        "人工评分写在了 '{name}' 下，但没有这个指标，这个评分不会被使用。{hint}",
        "A manual score is given under '{name}', but there is no such indicator; it is not used. {hint}",
    ),
    "more_strays": (
        "另有 {count} 个同类提示未列出",
        "{count} more of the same are not listed",
    ),
    "unknown_value": (
        "数据中的值 '{name}' 没有被任何指标或检查使用。{hint}",
        "The value '{name}' is not used by any indicator or check. {hint}",
    ),
    "penalty_applied": ("扣罚“{name}”生效：{effect}", "Penalty '{name}' applied: {effect}"),
    "penalty_not_evaluated": (
        "扣罚“{name}”无法判断：{problem}",
        "Penalty '{name}' could not be evaluated: {problem}",
    ),
    "no_applicable": ("没有适用的指标，无法计算总分", "No indicator applies; there is no total"),
    "bad_row": ("第 {row} 行（{subject}）：{problem}", "Row {row} ({subject}): {problem}"),
    "bad_json": ("JSON 格式错误：{problem}", "JSON error: {problem}"),
    "bad_csv": ("CSV 文件无法读取：{problem}", "Cannot read the CSV: {problem}"),
}

_HINTS: dict[str, tuple[str, str]] = {
    "did_you_mean": ("是不是 '{suggestion}'？", "Did you mean '{suggestion}'?"),
    "allowed": ("可用的有：{allowed}", "Valid choices: {allowed}"),
    "quote_number": (
        "；如果这是数字，请去掉引号",
        "; if it is a number, remove the quotes",
    ),
}


_OS_REASONS = {
    errno.EISDIR: ("这是一个文件夹，不是文件", "it is a folder, not a file"),
    errno.EACCES: ("没有权限", "permission denied"),
    errno.EPERM: ("没有权限", "permission denied"),
    errno.ENOSPC: ("磁盘空间不足", "no space left on the disk"),
    errno.ENOTDIR: ("路径中有一段不是文件夹", "a part of the path is not a folder"),
    errno.ENOENT: ("文件不存在", "no such file"),
}


def os_reason(exc: OSError, lang: Lang) -> str:
    """Why a file could not be read, in the user's language where the reason is common."""
    words = _OS_REASONS.get(exc.errno or 0)
    if words is not None:
        return words[1 if lang == "en" else 0]
    return exc.strerror or type(exc).__name__


# Control characters (escape sequences can recolour, move or clear a terminal)
# and bidi overrides (they reorder what is shown): never part of a label or reason.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]"
)


def has_unsafe_chars(text: str) -> bool:
    return _UNSAFE.search(text) is not None


def printable(text: str) -> str:
    """Text safe to print: unsafe characters become U+FFFD; line breaks and tabs stay."""
    return _UNSAFE.sub("\ufffd", text)


def zh_en(lang: Lang, zh: str, en: str) -> str:
    """Pick the wording for ``lang`` where a sentence is built in place."""
    return en if lang == "en" else zh


class Message(str):
    """A finished sentence that keeps its catalogue ``code`` (and, for a result's
    warnings, the ``indicator`` it is about), so tools branch on the code while
    people read the words. It is a ``str`` everywhere a sentence is expected."""

    code: str
    indicator: str | None

    def __new__(cls, text: str = "", code: str = "note", indicator: str | None = None) -> Message:
        self = super().__new__(cls, text)
        self.code = code
        self.indicator = indicator
        return self

    def __reduce__(self) -> tuple[object, ...]:
        return (Message, (str(self), self.code, self.indicator))

    def about(self, indicator: str | None) -> Message:
        return Message(str(self), self.code, indicator)

    def to_dict(self) -> dict[str, str | None]:
        return {"code": self.code, "message": str(self), "indicator": self.indicator}


def as_message(text: str) -> Message:
    """Any sentence as a Message; one made without a catalogue code is a plain note."""
    return text if isinstance(text, Message) else Message(text)


class Term(tuple[str, str]):
    """A parameter worded in both languages (zh, en), for a message whose value names
    a kind of thing ("a mapping", "a list"): the sentence picks its own language's word,
    so a Chinese message never carries an English type name."""

    __slots__ = ()

    def __new__(cls, zh: str, en: str) -> Term:
        return super().__new__(cls, (zh, en))

    def __getnewargs__(self) -> tuple[str, str]:
        return self[0], self[1]


def kind_of(value: object) -> Term:
    """A value that is neither a number nor text, named by its kind: what a message
    says was found where a number, text or level was expected."""
    if isinstance(value, (list, tuple)):
        return Term("一个列表", "a list")
    if isinstance(value, Mapping):
        return Term("一个映射", "a mapping")
    name = type(value).__name__[:30]
    return Term(f"{name} 类型的值", f"a value of type {name}")


def describe(value: object, lang: Lang) -> str:
    """Say what was found, in words an officer recognises."""
    en = lang == "en"
    if value is None:
        return "nothing (an empty value)" if en else "空值"
    if isinstance(value, bool):
        return f"the yes/no value {str(value).lower()}" if en else f"是/否值 {str(value).lower()}"
    if isinstance(value, (Decimal, int, float)):
        return f"the number {value}" if en else f"数字 {value}"
    if isinstance(value, str):
        shown = value if len(value) <= 40 else value[:37] + "…"
        return f'the text "{shown}"' if en else f'文字 "{shown}"'
    return kind_of(value)[en]


def message(code: str, lang: Lang = "zh", about: str | None = None, **params: object) -> Message:
    """The catalogue's sentence for ``code`` in ``lang``; ``about``: the indicator a
    result's warning concerns."""
    zh, en = _CATALOGUE[code]
    template = en if lang == "en" else zh
    for key, value in params.items():
        if type(value) is Term:
            params[key] = value[lang == "en"]
    return Message(template.format(**params), code, about)


def known_codes() -> frozenset[str]:
    return frozenset(_CATALOGUE)


_SUGGEST_POOL = 60


@functools.lru_cache(maxsize=16)
def _sorted_pool(pool: tuple[str, ...]) -> tuple[list[str], tuple[str, ...]]:
    pairs = sorted((c.lower(), c) for c in pool)
    return [k for k, _ in pairs], tuple(c for _, c in pairs)


def suggest(word: str, choices: Iterable[str]) -> str | None:
    """The closest valid name to a misspelt one, or None when nothing is close."""
    pool = [c for c in choices if isinstance(c, str)]
    word = word[:100]
    if len(pool) > _SUGGEST_POOL:
        # difflib is quadratic per pair; against thousands of similar names
        # (in_0001 … in_1500) it takes seconds. Compare with the names that sort
        # next to the typo, which share its longest start.
        keys, names = _sorted_pool(tuple(pool))
        at = bisect.bisect_left(keys, word.lower())
        start = max(0, at - _SUGGEST_POOL // 2)
        pool = list(names[start : start + _SUGGEST_POOL])
    # Two-character Chinese names differ by one character at ratio 0.5; for
    # short ASCII words that is too loose ('name' would match 'claimed').
    cutoff = 0.5 if len(word) <= 4 and not word.isascii() else 0.6
    found = difflib.get_close_matches(word, pool, n=1, cutoff=cutoff)
    if not found:
        lowered = {c.lower(): c for c in pool}
        if word.lower() in lowered:
            return lowered[word.lower()]
        return None
    return found[0]


def hint(word: str, choices: Iterable[str], lang: Lang = "zh", *, list_all: bool = True) -> str:
    """'Did you mean X?' when something is close, else the list of valid choices."""
    pool = sorted({c for c in choices if isinstance(c, str)})
    best = suggest(word, pool)
    zh_en = 1 if lang == "en" else 0
    if best is not None:
        return _HINTS["did_you_mean"][zh_en].format(suggestion=best)
    if list_all and pool:
        shown = ", ".join(pool[:20]) + (" …" if len(pool) > 20 else "")
        return _HINTS["allowed"][zh_en].format(allowed=shown)
    return ""


def quote_number_hint(lang: Lang) -> str:
    return _HINTS["quote_number"][1 if lang == "en" else 0]
