"""Violation texts of holders' identity documents (merged into :data:`registry.rules.messages.MESSAGES`).

Kept beside the main catalogue so the document rules read as one table. No text repeats any part of a
document number: these messages end up in row reports, API answers and, through them, in logs. The resident
ID's own codes (``id.*``) stay in the main catalogue, unchanged, because clients already key on them.
"""

from __future__ import annotations

from typing import Final

DOCUMENT_MESSAGES: Final[dict[str, tuple[str, str]]] = {
    "document.type_unknown": (
        "无法识别的证件类型“{value}”，请填写：居民身份证、港澳居民来往内地通行证、台湾居民来往大陆通行证、"
        "港澳台居民居住证、护照或外国人永久居留身份证",
        "Unknown document type {value!r}; use one of: resident identity card, Mainland travel permit for Hong "
        "Kong and Macao residents, Mainland travel permit for Taiwan residents, residence permit for Hong Kong, "
        "Macao and Taiwan residents, passport, foreign permanent resident ID card",
    ),
    "document.type_not_allowed": ("本省不受理{type_zh}", "The province does not accept a {type_en}"),
    "document.empty": ("证件号码不能为空", "The document number is missing"),
    "document.other_type": (
        "该号码是{type_zh}号码，请将证件类型填为{type_zh}",
        "This is the number of a {type_en}; set the document type to {type_en}",
    ),
    "permit.format": (
        "港澳台居民居住证号码应为18位：17位数字加1位校验码（数字或X）",
        "A residence permit number is 18 characters: 17 digits and a check character (a digit or X)",
    ),
    "permit.region": (
        "港澳台居民居住证号码应以810000（香港）、820000（澳门）或830000（台湾）开头",
        "A residence permit number starts with 810000 (Hong Kong), 820000 (Macao) or 830000 (Taiwan)",
    ),
    "permit.birth_date": (
        "港澳台居民居住证号码中的出生日期无效：{why_zh}",
        "The birth date in the residence permit number is invalid: {why_en}",
    ),
    "permit.checksum": (
        "港澳台居民居住证号码校验码错误",
        "The check character of the residence permit number is wrong",
    ),
    "hkmacao.format": (
        "港澳居民来往内地通行证号码应为H（香港）或M（澳门）加8位数字；1999至2012年版为H或M加10位数字",
        "A Mainland travel permit for Hong Kong and Macao residents is H (Hong Kong) or M (Macao) and 8 digits; "
        "the 1999-2012 form has 10 digits",
    ),
    "taiwan.format": (
        "台湾居民来往大陆通行证号码应为8位数字；旧版为10位数字，或10位数字加括号内的签发机关代码",
        "A Mainland travel permit for Taiwan residents is 8 digits; older forms are 10 digits, or 10 digits and "
        "the issuing office's code in brackets",
    ),
    "passport.format": ("护照号码只能由字母和数字组成", "A passport number has letters and digits only"),
    "passport.length": (
        "护照号码应为{minimum}至{maximum}位",
        "A passport number has {minimum} to {maximum} characters",
    ),
    "foreigner.format": (
        "外国人永久居留身份证号码应为18位（以9开头的17位数字加1位校验码）或15位（3位字母加12位数字，旧版）",
        "A foreign permanent resident ID number is 18 characters (9, 16 digits and a check character) or, "
        "in the old form, 15 (3 letters and 12 digits)",
    ),
    "foreigner.province": (
        "外国人永久居留身份证号码第2至3位应为受理地的省级行政区划代码",
        "Positions 2 and 3 of a foreign permanent resident ID number are the province code of the issuing office",
    ),
    "foreigner.birth_date": (
        "外国人永久居留身份证号码中的出生日期无效：{why_zh}",
        "The birth date in the foreign permanent resident ID number is invalid: {why_en}",
    ),
    "foreigner.checksum": (
        "外国人永久居留身份证号码校验码错误",
        "The check character of the foreign permanent resident ID number is wrong",
    ),
}
