"""The indicator-set format as pydantic models: the schema of the YAML.

Models check shape only (keys, types, ranges of single values). Everything
that needs the whole set - weights adding up, ids resolving, formulas
parsing - happens in ``_compile``, where each problem can be reported with
its own path. Validators raise ``PydanticCustomError`` whose type is a
kpiscore issue code, so ``_issues`` can translate every error into the
officer's language without ever showing pydantic's wording.

A well-formed set never comes here: ``_records`` reads it with the same checks
(``_format``) without importing pydantic. These models are the format's
definition - its JSON schema (``kpiscore schema``) - and the reader of every set
that reader leaves, which they accept or explain.
"""

from __future__ import annotations

import functools
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

from ._format import (
    ALL_RULE_PARAMETERS,
    INPUT_TYPES,
    KINDS,
    REQUIRED_PARAMETERS,
    ROUNDINGS,
    RULE_PARAMETERS,
    RULES,
    WRITTEN_OPERATORS,
    Refused,
    band_score_is_number,
    check_bool,
    check_formula,
    check_id,
    check_input_type,
    check_int,
    check_kind,
    check_number,
    check_operator,
    check_optional_formula,
    check_rounding,
    check_rule,
    check_text,
    check_version,
    target_is_mapping,
)

__all__ = ["ALL_RULE_PARAMETERS", "REQUIRED_PARAMETERS", "RULE_PARAMETERS", "IndicatorSetModel"]


def _reported(check: Callable[[Any], Any]) -> BeforeValidator:
    """A ``_format`` check as a pydantic validator: its refusal becomes pydantic's
    error, typed with the kpiscore issue code ``_issues`` translates."""

    @functools.wraps(check)  # the check stays reachable, as __wrapped__, for tests
    def validate(v: Any) -> Any:
        try:
            return check(v)
        except Refused as refused:
            raise PydanticCustomError(refused.code, refused.code, refused.ctx) from None

    return BeforeValidator(validate)


Num = Annotated[Decimal, _reported(check_number), WithJsonSchema({"type": "number"})]
Int = Annotated[int, _reported(check_int), WithJsonSchema({"type": "integer"})]
Text = Annotated[str, _reported(check_text), WithJsonSchema({"type": "string"})]
Id = Annotated[
    str, _reported(check_id), WithJsonSchema({"type": "string", "pattern": "^[a-z0-9_-]+$"})
]
Formula = Annotated[
    str, _reported(check_formula), WithJsonSchema({"type": ["string", "boolean", "number"]})
]
OptionalFormula = Annotated[
    str | None,
    _reported(check_optional_formula),
    WithJsonSchema({"type": ["string", "boolean", "number"]}),
]
Bool = Annotated[bool, _reported(check_bool), WithJsonSchema({"type": "boolean"})]
RuleName = Annotated[str, _reported(check_rule), WithJsonSchema({"enum": list(RULES)})]
Operator = Annotated[
    str, _reported(check_operator), WithJsonSchema({"enum": list(WRITTEN_OPERATORS)})
]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class TargetSpec(_Model):
    """Mapping form of a target: ``{op: ">=", value: 15, unit: 个}``."""

    op: Operator = Field(description="比较运算符：>= > <= < =")
    value: Num = Field(description="目标数值；unit 为 % 时按百分数理解")
    unit: Text | None = Field(None, description="单位，如 个、天、万元；写 % 表示百分比")


def _target_tag(v: Any) -> str:
    return "<mapping>" if target_is_mapping(v) or isinstance(v, TargetSpec) else "<text>"


TargetField = Annotated[
    Annotated[TargetSpec, Tag("<mapping>")] | Annotated[Text, Tag("<text>")],
    Discriminator(_target_tag),
]


def _band_tag(v: Any) -> str:
    return "<number>" if band_score_is_number(v) else "<formula>"


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
        str, _reported(check_input_type), WithJsonSchema({"enum": list(INPUT_TYPES)})
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

    kpiscore: Annotated[int, _reported(check_version), WithJsonSchema({"const": 1})] = Field(
        description="格式版本，固定为 1"
    )
    id: Id = Field(description="指标体系 id")
    name: Text = Field(description="名称")
    kind: Annotated[
        str,
        _reported(check_kind),
        WithJsonSchema({"enum": list(KINDS)}),
    ] = Field("project", description="project 项目支出 | department 部门整体支出")
    description: Text | None = Field(None, description="说明，写明依据的文件")
    source: Text | None = Field(None, description="来源文件")
    full_score: Num = Field(Decimal(100), description="满分，默认 100")
    precision: Int = Field(2, description="得分保留小数位数（四舍五入），0 到 6")
    rounding: Annotated[
        str,
        _reported(check_rounding),
        WithJsonSchema({"enum": list(ROUNDINGS)}),
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
