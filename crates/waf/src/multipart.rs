//! `multipart/form-data` bodies (RFC 7578), as far as the WAF inspects them: each part's field
//! name, file name and content. Lenient and bounded: a malformed body yields the parts that
//! could be read, never an error.

/// At most this many parts are read from one body.
const MAX_PARTS: usize = 256;

/// One part of a multipart body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Part<'b> {
    pub(crate) name: &'b [u8],
    pub(crate) filename: Option<&'b [u8]>,
    pub(crate) body: &'b [u8],
}

/// The boundary of a `multipart/*` content type. `lower` is the lowercased header, `raw` the
/// header as sent (boundaries are case-sensitive).
pub(crate) fn boundary(lower: &str, raw: Option<&[u8]>) -> Option<Vec<u8>> {
    if !lower.starts_with("multipart/") {
        return None;
    }
    let raw = raw?;
    let at = lower.find("boundary=")? + "boundary=".len();
    let rest = raw.get(at..)?;
    let b = match rest.first() {
        Some(b'"') => {
            let end = memchr::memchr(b'"', &rest[1..])?;
            &rest[1..1 + end]
        }
        _ => {
            let end = rest
                .iter()
                .position(|&c| c == b';' || c.is_ascii_whitespace())
                .unwrap_or(rest.len());
            &rest[..end]
        }
    };
    (!b.is_empty() && b.len() <= 70).then(|| b.to_vec())
}

/// The parts of `body` delimited by `--boundary`.
pub(crate) fn parts<'b>(body: &'b [u8], boundary: &[u8]) -> impl Iterator<Item = Part<'b>> {
    let mut delim = Vec::with_capacity(boundary.len() + 2);
    delim.extend_from_slice(b"--");
    delim.extend_from_slice(boundary);
    let finder = memchr::memmem::Finder::new(&delim).into_owned();
    let mut starts: Vec<usize> = finder.find_iter(body).take(MAX_PARTS + 1).collect();
    starts.push(body.len());
    let dlen = delim.len();
    (0..starts.len().saturating_sub(1)).filter_map(move |i| {
        let from = starts[i] + dlen;
        let to = starts[i + 1];
        let seg = body.get(from..to)?;
        if seg.starts_with(b"--") {
            return None; // the closing delimiter
        }
        let seg = seg
            .strip_prefix(b"\r\n")
            .or_else(|| seg.strip_prefix(b"\n"))
            .unwrap_or(seg);
        let (head, content) = match memchr::memmem::find(seg, b"\r\n\r\n") {
            Some(j) => (&seg[..j], &seg[j + 4..]),
            None => match memchr::memmem::find(seg, b"\n\n") {
                Some(j) => (&seg[..j], &seg[j + 2..]),
                None => (seg, &seg[seg.len()..]),
            },
        };
        let content = content
            .strip_suffix(b"\r\n")
            .or_else(|| content.strip_suffix(b"\n"))
            .unwrap_or(content);
        Some(Part {
            name: param(head, b"name=").unwrap_or(b""),
            filename: param(head, b"filename="),
            body: content,
        })
    })
}

/// A `name="value"` parameter of the part's `Content-Disposition`.
fn param<'b>(head: &'b [u8], key: &[u8]) -> Option<&'b [u8]> {
    let mut from = 0;
    while let Some(i) = memchr::memmem::find(&head[from..], key) {
        let at = from + i;
        // `filename=` also contains `name=`: require a separator before the key
        let ok = at == 0 || matches!(head[at - 1], b' ' | b';' | b'\t');
        let rest = &head[at + key.len()..];
        if ok {
            return Some(match rest.first() {
                Some(b'"') => {
                    let end = memchr::memchr(b'"', &rest[1..]).unwrap_or(rest.len() - 1);
                    &rest[1..1 + end]
                }
                _ => {
                    let end = rest
                        .iter()
                        .position(|&c| c == b';' || c == b'\r' || c == b'\n')
                        .unwrap_or(rest.len());
                    &rest[..end]
                }
            });
        }
        from = at + key.len();
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn form_with_a_file() {
        let ct = "multipart/form-data; boundary=XyZ";
        let b = boundary(&ct.to_ascii_lowercase(), Some(ct.as_bytes())).unwrap();
        assert_eq!(b, b"XyZ");
        let body = b"--XyZ\r\nContent-Disposition: form-data; name=\"title\"\r\n\r\nhello\r\n\
--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.txt\"\r\nContent-Type: text/plain\r\n\r\nline1\nline2\r\n--XyZ--\r\n";
        let p: Vec<_> = parts(body, &b).collect();
        assert_eq!(p.len(), 2);
        assert_eq!(
            p[0],
            Part {
                name: b"title",
                filename: None,
                body: b"hello"
            }
        );
        assert_eq!(p[1].name, b"f");
        assert_eq!(p[1].filename, Some(&b"a.txt"[..]));
        assert_eq!(p[1].body, b"line1\nline2");
    }

    #[test]
    fn malformed_bodies_do_not_fail() {
        assert_eq!(parts(b"garbage", b"b").count(), 0);
        let p: Vec<_> = parts(b"--b\r\nno head end", b"b").collect();
        assert_eq!(p.len(), 1);
        assert!(boundary("multipart/form-data", Some(b"multipart/form-data")).is_none());
        assert_eq!(
            boundary(
                "multipart/form-data; boundary=\"a b\"",
                Some(b"multipart/form-data; boundary=\"a b\"")
            ),
            Some(b"a b".to_vec())
        );
    }
}
