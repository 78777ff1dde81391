"""The indicator-set format as pydantic models: the schema of the YAML.

Models check shape only (keys, types, ranges of single values). Everything
that needs the whole set - weights adding up, ids resolving, formulas
parsing - happens in ``_compile``, where each problem can be reported with
its own path. Validators raise ``PydanticCustomError`` whose type is a
kpiscore issue code, so ``_issues`` can translate every error into the
officer's language without ever showing pydantic's wording.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ._messages import has_unsafe_chars

MAX_ABS = Decimal("1e15")
MAX_DIGITS = 30
MAX_TEXT = 500
MAX_FORMULA_TEXT = 100_000  # the formula compiler applies the real, much smaller cap
MAX_LIST = 2_000

RULES = (
    "ratio",
    "reverse",
    "exact",
    "met",
    "qualitative",
    "bands",
    "deduct",
    "checklist",
    "manual",
    "formula",
    "deadline",
)
OPERATORS = (">=", ">", "<=", "<", "=")
INPUT_TYPES = ("number", "percent", "level", "list", "text", "bool")
_ID = re.compile(r"[a-z0-9_-]+\Z")


def _fail(code: str, **ctx: Any) -> PydanticCustomError:
    return PydanticCustomError(code, code, ctx)


def check_number(v: Any) -> Decimal:
    """A finite Decimal of sane size; bools and quoted numbers are refused."""
    if isinstance(v, bool):
        raise _fail("wrong_type", expected="number")
    if isinstance(v, int):
        v = Decimal(v)
    elif isinstance(v, float):
        v = Decimal(repr(v))
    if not isinstance(v, Decimal):
        raise _fail("wrong_type", expected="number")
    if not v.is_finite():
        raise _fail("not_finite", value=str(v))
    if v != 0 and (v.adjusted() >= 15 or abs(v) > MAX_ABS or len(v.as_tuple().digits) > MAX_DIGITS):
        raise _fail("number_too_large", value=_short(str(v)), limit="1e15", digits=MAX_DIGITS)
    return v


def _short(s: str) -> str:
    return s if len(s) <= 40 else s[:20] + "…" + s[-8:]


def _check_int(v: Any) -> int:
    d = check_number(v)
    if d != d.to_integral_value():
        raise _fail("wrong_type", expected="integer")
    return int(d)


def _text(limit: int = MAX_TEXT) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise _fail("wrong_type", expected="text")
        if not v.strip():
            raise _fail("empty_text")
        if len(v) > limit:
            raise _fail("text_too_long", length=len(v), limit=limit)
        if has_unsafe_chars(v):
            raise _fail("unsafe_text")
        return v

    return check


def _check_id(v: Any) -> str:
    s = _text(100)(v)
    if not _ID.match(s):
        raise _fail("bad_id", value=_short(s))
    return s


def _check_formula(v: Any) -> str:
    # A bare true/false or number is a constant formula; anything else must be text.
    if isinstance(v, bool):
        return "True" if v else "False"
    if isinstance(v, Decimal):
        return str(check_number(v))
    if not isinstance(v, str):
        raise _fail("wrong_type", expected="formula")
    if not v.strip():
        raise _fail("empty_text")
    if len(v) > MAX_FORMULA_TEXT:
        raise _fail("text_too_long", length=len(v), limit=MAX_FORMULA_TEXT)
    return v


def _check_optional_formula(v: Any) -> str:
    # An omitted formula takes its default; a key written with no value is almost
    # always a formula that was cut off or forgotten, so it is an error, not a default.
    if v is None:
        raise _fail("formula_null")
    return _check_formula(v)


def _check_bool(v: Any) -> bool:
    if not isinstance(v, bool):
        raise _fail("wrong_type", expected="bool")
    return v


def _choice(*allowed: str) -> Callable[[Any], str]:
    def check(v: Any) -> str:
        if not isinstance(v, str):
            raise _fail("wrong_type", expected="text")
        if v not in allowed:
            raise _fail("invalid_choice", value=_short(v), allowed=list(allowed))
        return v

    return check


def _check_version(v: Any) -> int:
    if (
        isinstance(v, (Decimal, int))
        and not isinstance(v, bool)
        and (not isinstance(v, Decimal) or v.is_finite())
        and v == 1
    ):
        return 1
    raise _fail(
        "bad_version", value=_short(repr(v) if not isinstance(v, (str, Decimal)) else str(v))
    )


Num = Annotated[Decimal, BeforeValidator(check_number), WithJsonSchema({"type": "number"})]
Int = Annotated[int, BeforeValidator(_check_int), WithJsonSchema({"type": "integer"})]
Text = Annotated[str, BeforeValidator(_text()), WithJsonSchema({"type": "string"})]
Id = Annotated[
    str, BeforeValidator(_check_id), WithJsonSchema({"type": "string", "pattern": "^[a-z0-9_-]+$"})
]
Formula = Annotated[
    str, BeforeValidator(_check_formula), WithJsonSchema({"type": ["string", "boolean", "number"]})
]
OptionalFormula = Annotated[
    str | None,
    BeforeValidator(_check_optional_formula),
    WithJsonSchema({"type": ["string", "boolean", "number"]}),
]
Bool = Annotated[bool, BeforeValidator(_check_bool), WithJsonSchema({"type": "boolean"})]
RuleName = Annotated[str, BeforeValidator(_choice(*RULES)), WithJsonSchema({"enum": list(RULES)})]
Operator = Annotated[
    str,
    BeforeValidator(_choice(*OPERATORS, "≥", "≤", "＝")),
    WithJsonSchema({"enum": [*OPERATORS, "≥", "≤", "＝"]}),
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TargetSpec(_Model):
    """Mapping form of a target: ``{op: ">=", value: 15, unit: 个}``."""

    op: Operator = Field(description="比较运算符：>= > <= < =")
    value: Num = Field(description="目标数值；unit 为 % 时按百分数理解")
    unit: Text | None = Field(None, description="单位，如 个、天、万元；写 % 表示百分比")


def _target_tag(v: Any) -> str:
    return "<mapping>" if isinstance(v, (dict, TargetSpec)) else "<text>"


TargetField = Annotated[
    Annotated[TargetSpec, Tag("<mapping>")] | Annotated[Text, Tag("<text>")],
    Discriminator(_target_tag),
]


def _band_tag(v: Any) -> str:
    return (
        "<number>"
        if isinstance(v, (Decimal, int, float)) and not isinstance(v, bool)
        else "<formula>"
    )


BandScore = Annotated[
    Annotated[Num, Tag("<number>")] | Annotated[Formula, Tag("<formula>")],
    Discriminator(_band_tag),
]


class Category(_Model):
    """一级指标."""

    id: Id = Field(description="一级指标 id，如 output")
    name: Text = Field(description="一级指标名称，如 产出指标")
    name_en: Text | None = Field(None, description="英文名称（--lang en 时使用）")
    weight: Num = Field(description="分值；各一级指标分值之和等于 full_score")
    description: Text | None = Field(None, description="说明")


class Level(_Model):
    """定性等级: a label and the share of the weight it earns."""

    label: Text = Field(description="等级名称，如 达成")
    name_en: Text | None = Field(None, description="英文名称（--lang en 时使用）")
    range: list[Num] = Field(description="得分比例区间 [下限, 上限]，在 0 到 1 之间")
    aliases: list[Text] = Field(default_factory=list, description="同义写法，如 完成、达成预期指标")


class Band(_Model):
    """分档: the first band whose ``when`` holds gives its score."""

    when: OptionalFormula = Field(None, description="条件公式；省略表示其他情况（须放在最后）")
    score: BandScore = Field(description="得分：数字或公式")
    label: Text | None = Field(None, description="档位说明")


class ChecklistItem(_Model):
    id: Id | None = Field(None, description="条目 id（数据中可用 id 或名称）")
    label: Text = Field(description="条目名称，如 真实")
    points: Num = Field(description="满足时得分")


class Indicator(_Model):
    """三级指标: one row of the self-evaluation table."""

    id: Id = Field(description="指标 id；默认读取数据中同名的值")
    category: Text = Field(description="所属一级指标的 id")
    group: Text | None = Field(None, description="二级指标，如 数量指标")
    group_en: Text | None = Field(None, description="二级指标的英文名称")
    name: Text = Field(description="三级指标名称")
    name_en: Text | None = Field(None, description="英文名称（--lang en 时使用）")
    weight: Num = Field(description="分值")
    target: TargetField | None = Field(
        None, description='目标值：如 ">= 15 个"、"<= 2 天"、">= 95%"，或定性等级名称'
    )
    rule: RuleName | None = Field(
        None, description="计分规则；省略时按目标推断：>= 为 ratio，<= 为 reverse，= 为 exact"
    )
    actual: OptionalFormula = Field(None, description="实际值公式；默认读取与 id 同名的值")
    applies: OptionalFormula = Field(
        None, description="适用条件公式；为假时该指标不适用，按百分制折算"
    )
    explain: Text | None = Field(
        None, description="说明模板，可用 {actual} {target} {score} {weight} 和数据值名"
    )
    over_achievement: Num | None = Field(None, description="超额完成提示阈值，覆盖全局设置")
    reason_required: OptionalFormula = Field(
        None, description="何时需要偏差原因（公式），覆盖全局 reasons"
    )
    core: Bool = Field(False, description="是否核心指标")
    description: Text | None = Field(None, description="指标解释或评分标准原文")
    zero_below: Num | None = Field(None, description="ratio：完成率低于此值得 0 分")
    zero_above: Num | None = Field(None, description="reverse：实际/目标高于此值得 0 分")
    tolerance: Num | None = Field(None, description="exact：与目标相差不超过此值视为达成")
    levels: list[Level] | None = Field(None, description="qualitative：等级及得分比例区间")
    aliases: dict[Text, list[Text]] | None = Field(
        None, description="qualitative：给默认等级增加同义写法，如 {达成: [顺利完成]}"
    )
    late_per_month: Num | None = Field(
        None, description="deadline：每晚一个月（开始的月份即算）扣分；省略时晚完成得 0 分"
    )
    bands: list[Band] | None = Field(None, description="bands：分档，从上到下第一个成立的计分")
    per: Num | None = Field(None, description="deduct：每单位扣分")
    count: OptionalFormula = Field(None, description="deduct：扣分单位数（公式）")
    items: list[ChecklistItem] | None = Field(None, description="checklist：条目及分值")
    score: OptionalFormula = Field(None, description="formula：得分公式，结果限制在 [0, 分值]")


class Input(_Model):
    """A value the data supplies."""

    name: Text = Field(description="中文名称，用于说明，如 执行数")
    name_en: Text | None = Field(None, description="英文名称（--lang en 时使用）")
    unit: Text | None = Field(None, description="单位，如 万元、个、天")
    type: Annotated[
        str, BeforeValidator(_choice(*INPUT_TYPES)), WithJsonSchema({"enum": list(INPUT_TYPES)})
    ] = Field("number", description="类型：number percent level list text bool")
    description: Text | None = Field(None, description="说明，如 取调整后预算数")


class Check(_Model):
    """A consistency check on the data (never changes a score)."""

    name: Text = Field(description="检查名称，如 支出合计")
    assert_: Formula = Field(
        alias="assert", description="应成立的公式，如 basic + project == spent"
    )
    tolerance: Num | None = Field(None, description="== 两边相差不超过此值视为成立")


class Penalty(_Model):
    """Applied after the sum: a deduction or a fixed grade."""

    name: Text = Field(description="扣罚名称，如 重大违规")
    when: Formula = Field(description="条件公式")
    deduct: Num | None = Field(None, description="扣分")
    grade: Text | None = Field(None, description="直接定为此等级，如 差")


class Reasons(_Model):
    """When a 偏差原因 is owed."""

    below_weight: Bool = Field(True, description="得分低于分值时需要")
    over_achievement: Bool = Field(True, description="超额完成提示时需要")
    deviation_above: Num | None = Field(
        None, description="|完成率 − 1| 超过此值时需要；null 为不启用"
    )


class Grade(_Model):
    label: Text = Field(description="等级名称，如 优")
    name_en: Text | None = Field(
        None, description="英文名称；省略时 优/良/中/差 为 Excellent/Good/Fair/Poor"
    )
    min: Num = Field(description="下限（含）")


DEFAULT_GRADES = (
    Grade(label="优", min=Decimal(90)),
    Grade(label="良", min=Decimal(80)),
    Grade(label="中", min=Decimal(60)),
    Grade(label="差", min=Decimal(0)),
)


class IndicatorSetModel(_Model):
    """指标体系: the whole YAML file."""

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        populate_by_name=True,
        title="kpiscore indicator set",
        json_schema_extra={"description": "kpiscore 指标体系（绩效自评表）格式 1"},
    )

    kpiscore: Annotated[int, BeforeValidator(_check_version), WithJsonSchema({"const": 1})] = Field(
        description="格式版本，固定为 1"
    )
    id: Id = Field(description="指标体系 id")
    name: Text = Field(description="名称")
    kind: Annotated[
        str,
        BeforeValidator(_choice("project", "department")),
        WithJsonSchema({"enum": ["project", "department"]}),
    ] = Field("project", description="project 项目支出 | department 部门整体支出")
    description: Text | None = Field(None, description="说明，写明依据的文件")
    source: Text | None = Field(None, description="来源文件")
    full_score: Num = Field(Decimal(100), description="满分，默认 100")
    precision: Int = Field(2, description="得分保留小数位数（四舍五入），0 到 6")
    rounding: Annotated[
        str,
        BeforeValidator(_choice("indicator", "total")),
        WithJsonSchema({"enum": ["indicator", "total"]}),
    ] = Field("indicator", description="indicator：每项四舍五入后相加；total：只对总分四舍五入")
    grades: list[Grade] = Field(
        default_factory=lambda: list(DEFAULT_GRADES), description="等级，下限含，从高到低"
    )
    over_achievement: Num = Field(
        Decimal("1.2"), description="完成率高于此值时提示核实目标（不扣分）"
    )
    reasons: Reasons = Field(default_factory=lambda: Reasons(), description="何时需要偏差原因")
    inputs: dict[str, Input] | None = Field(
        None, description="数据中的值；声明后公式只能使用这些名称"
    )
    categories: list[Category] = Field(description="一级指标，按表格顺序")
    indicators: list[Indicator] = Field(description="三级指标，按表格顺序")
    checks: list[Check] = Field(default_factory=list, description="数据一致性检查")
    penalties: list[Penalty] = Field(default_factory=list, description="总分扣罚")


RULE_PARAMETERS: dict[str, frozenset[str]] = {
    "ratio": frozenset({"zero_below"}),
    "reverse": frozenset({"zero_above"}),
    "exact": frozenset({"tolerance"}),
    "met": frozenset(),
    "qualitative": frozenset({"levels", "aliases"}),
    "bands": frozenset({"bands"}),
    "deduct": frozenset({"per", "count"}),
    "checklist": frozenset({"items"}),
    "manual": frozenset(),
    "formula": frozenset({"score"}),
    "deadline": frozenset({"late_per_month"}),
}
ALL_RULE_PARAMETERS = frozenset().union(*RULE_PARAMETERS.values())
REQUIRED_PARAMETERS: dict[str, tuple[str, ...]] = {
    "bands": ("bands",),
    "deduct": ("per", "count"),
    "checklist": ("items",),
    "formula": ("score",),
}
