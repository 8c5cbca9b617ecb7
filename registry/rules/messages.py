"""The catalogue of violation codes and their Chinese and English texts.

One table, so a reviewer sees every code the rules can produce, and a test checks every entry has both
languages and formats with its parameters. ``{name}`` placeholders are filled by :func:`violation`.
"""

from __future__ import annotations

from typing import Final

from registry.rules.errors import Violation
from registry.rules.messages_documents import DOCUMENT_MESSAGES
from registry.rules.messages_legacy import LEGACY_MESSAGES

_FORMATS: Final[dict[str, tuple[str, str]]] = {
    "id.format": (
        "身份证号码应为18位：17位数字加1位校验码（数字或X）",
        "A resident ID number is 18 characters: 17 digits and a check character (a digit or X)",
    ),
    "id.region": (
        "身份证号码的地址码{region}不是有效的行政区划代码",
        "The address code {region} of the resident ID number is not a valid region code",
    ),
    "id.birth_date": (
        "身份证号码的出生日期{birth}无效：{why_zh}",
        "The birth date {birth} is invalid: {why_en}",
    ),
    "id.checksum": (
        "身份证号码校验码错误（应为{expected}）",
        "The check character of the resident ID number is wrong (expected {expected})",
    ),
    "uscc.format": (
        "统一社会信用代码应为18位，由数字和除I、O、Z、S、V以外的大写字母组成",
        "A unified social credit code is 18 digits or upper-case letters other than I, O, Z, S and V",
    ),
    "uscc.authority": (
        "统一社会信用代码的登记管理部门代码{value}不存在",
        "Registration authority code {value} of the unified social credit code does not exist",
    ),
    "uscc.org_type": (
        "统一社会信用代码的机构类别代码{value}不存在",
        "Organisation type code {value} does not exist for that registration authority",
    ),
    "uscc.region": (
        "统一社会信用代码第3至8位应为行政区划代码（6位数字）",
        "Positions 3 to 8 of the unified social credit code must be a region code (6 digits)",
    ),
    "uscc.org_code": (
        "统一社会信用代码第9至17位的组织机构代码校验错误",
        "The organisation code in positions 9 to 17 fails its GB 11714 check",
    ),
    "uscc.checksum": (
        "统一社会信用代码校验码错误（应为{expected}）",
        "The check character of the unified social credit code is wrong (expected {expected})",
    ),
    "occupation.format": (
        "职业编码{value}格式错误，应如6-31-01-03（可带工种后缀-01）",
        "Occupation code {value} is malformed; expected like 6-31-01-03 (optionally a trade suffix -01)",
    ),
    "level.range": ("等级{value}无效，应为1至5级", "Level {value} is invalid; levels are 1 to 5"),
    "date.format": (
        "日期{value}无效，应为YYYY-MM-DD格式的真实日期",
        "Date {value} is invalid; expected a real date as YYYY-MM-DD",
    ),
}

_NUMBERS: Final[dict[str, tuple[str, str]]] = {
    "number.length": (
        "证书编号{value}长度不符（应为{expected}位）",
        "Certificate number {value} has the wrong length ({expected} expected)",
    ),
    "number.format": (
        "证书编号{value}第{start}至{end}位（{segment_zh}）格式错误",
        "Certificate number {value}: positions {start} to {end} ({segment_en}) are malformed",
    ),
    "number.checksum": (
        "证书编号{value}校验码错误",
        "Certificate number {value} has a wrong check character",
    ),
    "number.level": ("证书编号{value}中的等级无效", "Certificate number {value} holds an impossible level"),
    "number.year": (
        "证书编号{value}中的年份{year}无效",
        "Certificate number {value} holds an impossible year {year}",
    ),
    "number.sequence": (
        "证书编号{value}中的流水号无效",
        "Certificate number {value} holds an impossible sequence",
    ),
    "number.no_rule": (
        "本省未规定{kind}的编号规则",
        "The province profile has no numbering rule for {kind}",
    ),
    "number.part": (
        "生成编号所需的{segment_zh}“{value}”不符合编号规则",
        "The {segment_en} {value!r} does not fit the numbering rule",
    ),
    "number.overflow": (
        "流水号已用尽：{scope}最多{maximum}个编号，本批需要到{needed}",
        "Sequence exhausted: {scope} allows {maximum} numbers, this batch needs up to {needed}",
    ),
    "serial.overflow": (
        "印制流水码已用尽（每个鉴定中心每年最多{maximum}个）",
        "Print serials exhausted ({maximum} per authority and year at most)",
    ),
    "serial.format": (
        "印制流水码{value}格式错误（应符合{pattern}）",
        "Print serial {value!r} is malformed (expected {pattern})",
    ),
    "serial.reserved": (
        "印制流水码{value}与本系统自动分配的流水码格式相同，不能手工指定",
        "Print serial {value} has the shape of the serials the registry allocates; it cannot be given by hand",
    ),
    "profile.unknown": ("未知的省份配置{value}", "Unknown province profile {value!r}"),
    "profile.invalid": ("省份配置无效：{detail}", "Invalid province profile: {detail}"),
}

_ELIGIBILITY: Final[dict[str, tuple[str, str]]] = {
    "kind.level_required": ("{kind_zh}须填写等级", "A {kind_en} needs a level"),
    "kind.level_not_applicable": ("专项职业能力证书不分等级", "A special-ability certificate has no level"),
    "kind.occupation_required": ("{kind_zh}须对应一个职业（工种）", "A {kind_en} needs an occupation"),
    "kind.project_required": (
        "专项职业能力证书须对应一个考核项目",
        "A special-ability certificate needs a project",
    ),
    "scope.not_filed": (
        "{subject}不在本机构的备案范围内",
        "{subject} is outside the institution's filed scope",
    ),
    "scope.level_not_filed": (
        "{subject}的{level}级不在备案范围内",
        "Level {level} of {subject} is not filed",
    ),
    "scope.kind_not_filed": (
        "{subject}的备案范围不含{kind_zh}",
        "The filed scope of {subject} does not allow a {kind_en}",
    ),
    "scope.consent_required": (
        "技工院校认定{subject}三级/高级工及以上须经省鉴定中心同意，{date}时备案未载明同意",
        "A school certifies level 3 (senior worker) and above of {subject} only with the province centre's "
        "consent, which its filing did not record on {date}",
    ),
    "filing.none": ("本机构没有备案记录", "The institution has no filing"),
    "filing.none_active": ("{date}时备案尚未生效", "The filing was not yet in force on {date}"),
    "filing.suspended": ("{date}时备案处于暂停（整改）状态", "The filing was suspended on {date}"),
    "filing.part_suspended": (
        "{date}时备案中{subject}（{level}级，{kind_zh}）自{since}起暂停（整改）",
        "On {date} the filing was suspended for {subject} (level {level}, {kind_en}) since {since}",
    ),
    "filing.revoked": ("{date}时备案已被取消", "The filing was revoked by {date}"),
    "filing.withdrawn": ("{date}时备案已撤回", "The filing was withdrawn by {date}"),
    "filing.expired": ("备案有效期已于{valid_to}届满", "The filing's validity ended on {valid_to}"),
    "filing.outside_validity": (
        "考核日期{date}早于备案有效期开始日{valid_from}",
        "Assessment date {date} is before the filing's validity starts ({valid_from})",
    ),
    "catalogue.not_in_qualification_catalogue": (
        "职业{occupation}不在国家职业资格目录内，不能颁发职业资格证书",
        "Occupation {occupation} is not in the national qualification catalogue",
    ),
    "catalogue.occupation_cancelled": (
        "职业{occupation}收录至{valid_to}，已取消",
        "Occupation {occupation} was catalogued until {valid_to} and is cancelled",
    ),
    "catalogue.occupation_not_yet_valid": (
        "职业{occupation}自{valid_from}起才收录",
        "Occupation {occupation} is only catalogued from {valid_from}",
    ),
    "catalogue.access_type_not_skill_level": (
        "准入类职业{occupation}不纳入职业技能等级认定",
        "Access-type occupation {occupation} is outside skill-level certification",
    ),
    "catalogue.level_not_defined": (
        "职业{occupation}未设{level}级",
        "Occupation {occupation} defines no level {level}",
    ),
    "school.level_cap": (
        "{school_zh}只能认定{top}级及以下等级",
        "A {school_en} may certify level {top} and below only",
    ),
    "authority.level_not_filable": (
        "{authority}无权备案开展{level}级鉴定的机构",
        "Authority {authority} may not file institutions assessing level {level}",
    ),
    "authority.owner_requires_province": (
        "省属、部属单位及行业机构须由省人力资源社会保障部门备案",
        "Province- and ministry-owned units and industry institutions are filed by the province",
    ),
    "project.withdrawn": ("考核项目{project}已于{date}撤销", "Project {project} was withdrawn on {date}"),
    "project.pilot_expired": (
        "考核项目{project}试点期已于{deadline}结束，{date}时尚未转为正式推广",
        "The pilot phase of project {project} ended on {deadline}; on {date} it was not yet in general use",
    ),
    "project.not_yet_published": (
        "考核项目{project}于{published_on}才发布",
        "Project {project} was only published on {published_on}",
    ),
}

#: Rule ``text`` (docs/rules.md, "Typed text"; :mod:`registry.rules.freetext`).
_TEXT: Final[dict[str, tuple[str, str]]] = {
    "text.invisible": (
        "{what_zh}含有不可见的格式字符（{chars}，如双向文本控制符、零宽字符），请删除后重新填写",
        "{what_en} contains invisible format characters ({chars}: bidirectional controls, zero-width "
        "characters ...); remove them and try again",
    ),
    "text.document_number": (
        "{what_zh}中疑似含有证件号码，不予保存；证件号码只能填写在证件号码栏",
        "{what_en} appears to contain an identity document number, which is not kept here; a document "
        "number belongs in the document number field only",
    ),
    "text.formula": (
        "{what_zh}不能以 =、+、-、@ 开头（导出到电子表格时会被当作公式执行）",
        "{what_en} must not start with =, +, - or @ (a spreadsheet would run it as a formula when exported)",
    ),
}

MESSAGES: Final[dict[str, tuple[str, str]]] = {
    **_FORMATS,
    **_TEXT,
    **_NUMBERS,
    **_ELIGIBILITY,
    **DOCUMENT_MESSAGES,
    **LEGACY_MESSAGES,
}


def violation(code: str, *, rule: str | None = None, field: str | None = None, **params: object) -> Violation:
    """The :class:`Violation` of ``code`` with its texts filled from ``params``.

    Raises ``KeyError`` for a code that is not in :data:`MESSAGES` (a programming error, caught by the tests).
    """
    zh, en = MESSAGES[code]
    return Violation(
        code=code,
        message_zh=zh.format(**params),
        message_en=en.format(**params),
        rule=rule,
        field=field,
    )
