//! Attacks (with the evasions the lexer folds) and benign look-alikes, at both sensitivities.
//! Several attack strings are adapted from the OWASP CRS regression tests (Apache-2.0) and the
//! PayloadsAllTheThings SQL injection lists (MIT); the benign ones are written for this crate.

#![allow(clippy::unwrap_used)]

use super::{Sensitivity, detect};

fn low(s: &str) -> Option<&'static str> {
    detect(s.as_bytes(), Sensitivity::Low).map(|d| d.reason)
}

fn high(s: &str) -> Option<&'static str> {
    detect(s.as_bytes(), Sensitivity::High).map(|d| d.reason)
}

/// Detected at LOW (and so at HIGH), with the reason given.
#[track_caller]
fn attack(s: &str, reason: &str) {
    assert_eq!(low(s), Some(reason), "LOW on {s:?}");
    assert!(high(s).is_some(), "HIGH on {s:?}");
}

/// Detected at HIGH only.
#[track_caller]
fn high_only(s: &str) {
    assert_eq!(low(s), None, "LOW on {s:?}");
    assert!(high(s).is_some(), "HIGH on {s:?}");
}

/// Detected at neither sensitivity.
#[track_caller]
fn benign(s: &str) {
    assert_eq!(low(s), None, "LOW on {s:?}");
    assert_eq!(high(s), None, "HIGH on {s:?}");
}

/// Not detected at LOW (HIGH may report it).
#[track_caller]
fn benign_at_low(s: &str) {
    assert_eq!(low(s), None, "LOW on {s:?}");
}

#[test]
fn tautologies_after_a_quote() {
    attack("' or 1=1--", "sqli:tautology");
    attack("' OR '1'='1", "sqli:tautology");
    attack("admin' or 'a'='a", "sqli:tautology");
    attack("-1839' or '1'='1", "sqli:tautology");
    attack("' or ''='", "sqli:tautology");
    attack("\" or \"1\"=\"2", "sqli:tautology");
    attack("EmptyValue' and 526=527", "sqli:tautology");
    attack("' or 1=1 limit 1 -- -+", "sqli:tautology");
    attack("'=' ", "sqli:tautology");
    attack("' or '1", "sqli:tautology");
}

#[test]
fn tautologies_in_parentheses() {
    attack("') or ('a'='a", "sqli:tautology");
    attack("') or ('x')=('x", "sqli:tautology");
    attack("admin\") or (\"1\"=\"1", "sqli:tautology");
    attack(" AND 7300=7300 AND ('pKlZ'='pKlZ", "sqli:tautology");
}

#[test]
fn tautologies_in_the_bare_context() {
    attack("1234 OR 1=1", "sqli:tautology");
    attack("-1 or 1=1", "sqli:tautology");
    attack(" OR x=x", "sqli:tautology");
    attack(" or true", "sqli:tautology");
    attack("1 or 1#", "sqli:tautology");
    attack("9999 or /*+optimizer hint */ true", "sqli:tautology");
    attack(" AND 1", "sqli:tautology");
    attack(
        "OR '{\"b\":2}'::jsonb <@ '{\"a\":1, \"b\":2}'::jsonb",
        "sqli:tautology",
    );
}

#[test]
fn boolean_conditions() {
    attack(
        "admin' and substring(password/text(),1,1)='7",
        "sqli:boolean-condition",
    );
    attack("x' or username like 'adm%", "sqli:boolean-condition");
    attack(" OR x=y#", "sqli:boolean-condition");
    attack(
        " and (select substring(@@version,1,1))='X'",
        "sqli:boolean-condition",
    );
    attack(
        "admin@juice-sh.op\\' or json_valid (id);",
        "sqli:boolean-condition",
    );
    high_only("a'or'a");
}

#[test]
fn comment_truncation() {
    attack("admin'--", "sqli:comment-truncation");
    attack("admin'#", "sqli:comment-truncation");
    attack("admin')-- -", "sqli:comment-truncation");
    attack("admin\"/*", "sqli:comment-truncation");
    attack("1' ORDER BY 1,2 -- x", "sqli:order-by");
    attack("x' collate nocase--", "sqli:comment-truncation");
    // a name compared with itself is a tautology
    attack("x' and email ilike email--", "sqli:tautology");
}

#[test]
fn union_select() {
    attack("' union select 1,2,3--", "sqli:union-select");
    attack("1 UNION ALL SELECT NULL,NULL,NULL", "sqli:union-select");
    attack("foo') UNION ALL select NULL --", "sqli:union-select");
    attack("-1 union select null,123456,null--", "sqli:union-select");
    attack("UnIon seleCt", "sqli:union-select");
    attack("') union (select @@version) --", "sqli:union-select");
    attack("2020-03-01 UNION ALL SELECT CONCAT", "sqli:union-select");
}

#[test]
fn stacked_queries() {
    attack("1; DROP TABLE users", "sqli:stacked-query");
    attack("'; drop table temp --", "sqli:stacked-query");
    attack(";INSERT INTO table (col) VALUES", "sqli:stacked-query");
    attack(
        "1;INSERT /*test*/INTO category(id) VALUES (3)-- -",
        "sqli:stacked-query",
    );
    attack(
        "'; exec master..xp_cmdshell 'ping 10.10.1.2'--",
        "sqli:stacked-query",
    );
    attack("x\"; SELECT LOAD_FILE('", "sqli:dangerous-function");
    attack("x\"; SELECT password FROM users", "sqli:stacked-query");
    attack(
        "1);declare @q varchar(99);set @q='\\\\x.example';exec master.dbo.xp_dirtree @q;--",
        "sqli:stacked-query",
    );
    attack("admin@juice-sh.op';", "sqli:quote-terminator");
}

#[test]
fn statements_as_the_value() {
    attack("SELECT * FROM users WHERE id = 1", "sqli:statement");
    attack("select @@version", "sqli:statement");
    attack("select current_setting('port');", "sqli:statement");
    attack(
        "SELECT x GROUP BY SOMETHING HAVING COUNT(Id) >= 9",
        "sqli:statement",
    );
    attack("exec master..xp_cmdshell 'net users'", "sqli:statement");
    attack("DROP TABLE users;", "sqli:statement");
    attack(
        "1234 AS \"foobar\" FROM tablevar2=whatever",
        "sqli:statement",
    );
}

#[test]
fn time_based() {
    attack("sleep(20)", "sqli:time-function");
    attack("' and sleep(5) --", "sqli:time-function");
    attack("1) or pg_sleep(5)--", "sqli:time-function");
    attack(" and 0=benchmark(3000000,MD5(1)) /*", "sqli:time-function");
    attack("'; waitfor delay '0:0:5'--", "sqli:time-function");
    attack("\") waitfor delay '0:0:20' --", "sqli:time-function");
    attack("if(now()=sysdate(),sleep(12),0)", "sqli:time-function");
    attack("2010-01-01' sleep(20.to_i) '", "sqli:time-function");
    attack("(select*from(select(sleep(5)))x)", "sqli:time-function");
    attack("benchmark(", "sqli:time-function");
    high_only("benchmark (");
}

#[test]
fn error_based_and_dangerous_functions() {
    attack(
        "' and extractvalue(1,concat(0x7e,(select user())))--",
        "sqli:error-function",
    );
    attack(
        "1 and updatexml(1,concat(0x7e,version()),1)",
        "sqli:error-function",
    );
    attack(
        "' AND 1=utl_inaddr.get_host_address((SELECT banner FROM v$version WHERE ROWNUM=1)) AND 'i'='i",
        "sqli:dangerous-function",
    );
    attack("unistr(password)::int", "sqli:type-cast");
    attack(
        "'||utl_http.request('http://192.168.1.1/')||'",
        "sqli:dangerous-function",
    );
    // the most specific reason names the detection
    attack(
        "' union select load_file('/etc/passwd')#",
        "sqli:dangerous-function",
    );
    attack("x' into outfile '/tmp/x.php'--", "sqli:dangerous-function");
    attack("copy myfile from '/etc/passwd';", "sqli:dangerous-function");
}

#[test]
fn subqueries_and_odbc_escapes() {
    attack(
        "(SELECT 4440 FROM(SELECT COUNT(*),CONCAT(0x716b627a71,FLOOR(RAND(0)*2))x",
        "sqli:statement",
    );
    attack(
        "9999 or {if length((/*!5000select username/*!50000from*/user where id=1))>0}",
        "sqli:statement",
    );
}

#[test]
fn evasions_comments_case_whitespace() {
    attack("1/**/union/**/select/**/1,2,3", "sqli:union-select");
    attack("1 uNiOn\tSeLeCt 1,2", "sqli:union-select");
    attack("1\nunion\r\nselect\u{0b}1,2", "sqli:union-select");
    attack("1 union#x\ndistinctrow\u{0b}select 1", "sqli:union-select");
    attack("' /*!50000or*/1='1", "sqli:tautology");
    attack(
        "0/**/union/*!50000select*/table_name`foo`/**/",
        "sqli:union-select",
    );
    attack(
        "1 union%00select 1".replace("%00", "\0").as_str(),
        "sqli:union-select",
    );
    attack("1oR 1=1", "sqli:tautology");
    attack("1union select 1,2", "sqli:union-select");
}

#[test]
fn plus_reads_as_a_space() {
    // a query string or a form the WAF did not decode `+` in: the application will
    attack("1+union+all+select+1,2,3", "sqli:union-select");
    attack("x'+or+1=1--", "sqli:tautology");
    attack("'+sleep(5)+'", "sqli:time-function");
    benign("C++ and Java");
    benign("q=red+shoes&sort=price");
    benign_at_low("2+2=4 and 3+3=6");
}

#[test]
fn evasions_unicode_look_alikes() {
    // full-width letters and apostrophe
    attack("\u{FF07} \u{FF4F}\u{FF52} 1=1--", "sqli:tautology");
    attack(
        "1 \u{FF35}\u{FF2E}\u{FF29}\u{FF2F}\u{FF2E} \u{FF33}\u{FF25}\u{FF2C}\u{FF25}\u{FF23}\u{FF34} 1,2",
        "sqli:union-select",
    );
    // typographic quotes, as SQL Server's best-fit mapping reads them
    attack("\u{2019} or 1=1-- -", "sqli:tautology");
    attack("\u{2018} or 1=1/*", "sqli:tautology");
    attack(
        "1\u{2019} OR \u{2019}1\u{2019}=\u{2019}x\u{2019}#",
        "sqli:tautology",
    );
    // non-breaking and ideographic spaces
    attack("1\u{a0}union\u{3000}select\u{a0}1,2", "sqli:union-select");
}

#[test]
fn values_inside_markup_and_json() {
    attack(
        "<?xml version=\"1.0\"?><root><a probe=\"1234 OR 1=1\"></a></root>",
        "sqli:tautology",
    );
    attack("{\"id\":\"1' or '1'='1\"}", "sqli:tautology");
    attack(
        "{\"q\":\"1 union select password from users\"}",
        "sqli:union-select",
    );
    attack("name=O'Reilly&id=1' or '1'='1", "sqli:tautology");
}

#[test]
fn fragments_reported_at_high_only() {
    high_only("information_schema");
    high_only("concat(");
    high_only("u_id[$ne]");
    high_only("4294967296");
    high_only("1=1");
    high_only("xp_cmdshell");
}

#[test]
fn evidence_is_a_few_tokens() {
    let d = detect(b"admin' or 1=1--", Sensitivity::Low).unwrap();
    assert_eq!(d.matched, ["or", "1", "=", "1", "--"]);
    let d = detect(b"1 union all select 1,2,3", Sensitivity::Low).unwrap();
    assert_eq!(d.matched, ["union", "all", "select"]);
    let d = detect(b"x'--", Sensitivity::Low).unwrap();
    assert_eq!(d.matched, ["'", "--"]);
}

#[test]
fn benign_apostrophes_and_quotes() {
    for s in [
        "O'Reilly",
        "don't",
        "it's 5 o'clock somewhere",
        "Rock 'n' roll",
        "Côte d'Ivoire",
        "L'Oréal paris",
        "Bob's or Alice's",
        "is this your parents' or yours?",
        "the users' and admins' roles",
        "I said 'yes' or 'no' to him",
        "He said \"yes\" or \"no\"",
        "I'm 6'2\" and 180 lbs",
        "the '90s were great",
        "It\u{2019}s a beautiful day",
        "\u{201c}Yes\u{201d} or \u{201c}no\u{201d}?",
        "Anne-Marie O'Neill",
        "Use the \"--force\" flag to override",
        "My password is 'hunter2' -- just kidding",
    ] {
        benign(s);
    }
}

#[test]
fn benign_prose_with_sql_words() {
    for s in [
        "select the best option and update your order",
        "drop me a line",
        "please select one",
        "Select your size",
        "Delete from cart",
        "Insert coin to continue",
        "create an account",
        "order by date",
        "group by category",
        "union station chicago",
        "left join or right join, which is faster?",
        "having fun",
        "I like you!",
        "Just in case (abc)",
        "I sleep 8 hours a night",
        "need more sleep (at least 8 hours)",
        "execute the plan",
        "exec summary attached",
        "set the table for dinner",
        "show tables and chairs in stock",
        "truncate the text after 100 characters",
        "Great; update me when it ships",
        "Hi; select size M please",
        "The word \"select\" means to choose.",
        "Is \"or\" a conjunction?",
        "Our union has selected a new leader; the vote was 120 to 80.",
    ] {
        benign(s);
    }
    for s in [
        "drop shipping suppliers",
        "sleep number bed",
        "where to buy \"drop table\" chair",
        "'execute' meaning",
        "how to 'drop' a pin in google maps",
        "8' x 10' rug",
        "price < 100 and rating > 4",
        "Tip: use --help for options",
    ] {
        benign_at_low(s);
    }
    // things the shipped rules met (SQLiExtendedPatterns runs at HIGH)
    for s in [
        "In PHP you call exec() carefully",
        "System.out.println(\"Hello\");",
        "(userAccountControl:1.2.840.113556.1.4.803:=2147483648)",
        "11!=11",
    ] {
        benign(s);
    }
    for s in [
        "order by phone",
        "select comfort mattress",
        "update windows 10",
        "delete facebook account",
        "toys 'r' us",
        "she said, 'hello' and left",
    ] {
        benign(s);
    }
    // a bare statement of a few words reads as SQL at HIGH
    benign_at_low("drop table lamp");
    benign_at_low("The union select committee met on Tuesday");
}

#[test]
fn benign_numbers_math_and_identifiers() {
    for s in [
        "1=1 is true",
        "2+2=4",
        "x = 5 and y = 10",
        "1 or 2 items",
        "pages 1 or 2",
        "between 5 and 10 people",
        "5$ - 10$",
        "Qty: 2 x 3.50 = 7.00",
        "max(3, 5) = 5",
        "sin(x) + cos(x)",
        "2024-01-15T10:30:00Z",
        "+1 (555) 123-4567",
        "550e8400-e29b-41d4-a716-446655440000",
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMe--KKF2QT4fwpMeJf36POk6yJV_adQssw-5c",
        "SGVsbG8gV29ybGQhIFRoaXMgaXMgYSBiYXNlNjQgc3RyaW5nLg==",
        "my--slugified-url",
        "C# and F# developers",
        "issue #42 fixed",
        "100% cotton",
    ] {
        benign(s);
    }
}

#[test]
fn benign_markup_json_and_headers() {
    for s in [
        "<b>bold</b>",
        "<a href=\"https://x\">link</a>",
        "<p>Hello <strong>world</strong>, it's a <em>great</em> day!</p>",
        "{\"name\":\"John\",\"age\":30,\"city\":\"New York\"}",
        "{\"comment\":\"I don't like it\",\"rating\":2}",
        "{\"user\":\"o'neil\",\"role\":\"admin\"}",
        "https://www.example.com/search?q=test&page=2",
        "john.doe@example.com",
        "o'connor@example.ie",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
        "session=abc123; theme=dark; lang=en",
        "name=John+Smith&email=john%40example.com&message=Hello%2C+I%27d+like+a+quote",
        "comment=It's great&rating=5&recommend=yes",
        "<?xml version=\"1.0\"?><order id=\"123\"><item qty=\"2\">Widget</item></order>",
    ] {
        benign(s);
    }
}

#[test]
fn benign_non_latin_text() {
    for s in [
        "你好世界这是一段中文文本",
        "こんにちは世界これは日本語のテキストです",
        "안녕하세요 세계 이것은 한국어 텍스트입니다",
        "שלום עולם זה טקסט בעברית",
        "Grüße aus München",
        "¯\\_(ツ)_/¯",
    ] {
        benign(s);
    }
}

#[test]
fn empty_and_tiny_inputs() {
    for s in ["", "'", "\"", "--", "#", ";", "1", "a"] {
        benign(s);
    }
}

#[test]
fn deep_nesting_and_long_inputs_are_bounded() {
    let deep = "(".repeat(10_000) + "1";
    assert_eq!(high(&deep), None);
    let many_quotes = "'a".repeat(20_000);
    let _ = detect(many_quotes.as_bytes(), Sensitivity::High);
    let comments = "#\n".repeat(20_000) + "1 union select 1";
    assert!(detect(comments.as_bytes(), Sensitivity::Low).is_some());
    // past the inspected prefix nothing counts
    let late = "a".repeat(70_000) + " union select 1,2";
    assert!(detect(late.as_bytes(), Sensitivity::Low).is_none());
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut x: u32 = 0x1234_5678;
    let mut buf = Vec::new();
    for _ in 0..2_000 {
        buf.clear();
        for _ in 0..(x % 64) {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // bias toward the bytes SQL is made of
            const SQL: &[u8] = b"'\"`()-#/*;=<>|&!@{}[]\\ :";
            const WORDS: &[u8] = b"orANDselectUNION1 0x";
            let b = match x % 4 {
                0 => SQL[(x >> 8) as usize % SQL.len()],
                1 => WORDS[(x >> 8) as usize % WORDS.len()],
                _ => (x >> 8) as u8,
            };
            buf.push(b);
        }
        let _ = detect(&buf, Sensitivity::Low);
        let _ = detect(&buf, Sensitivity::High);
    }
}

/// Found by the `waf_sqli` fuzz target: the prefilter let a keyword that is also a function
/// name (`insert`) go at HIGH, so HIGH missed what LOW found.
#[test]
fn high_reports_whatever_low_reports() {
    let data = b"''\xb7r('\x0d\x0d\x0d\x0d r \x0d\x0d\x0d\x0d\x0dinserT + FROM\xd8\xc6('\x0d\
                 \x0d\x0d\x0d\x0d\x0d\x0dinserT + FR\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\
                 \xff\xff\xff\xff\xff\xff\xff\xff\xff\xffOM\xd8\xc6\x00\x00E  \xb7r\x8e'\x0d\
                 \x0d 2 \x0d\x0d\x0d\x0d\x0dinserT + FROM\xd8\xc6('\x0d\x0d\x0d\x0d\x0d\x0d\
                 \x0dinserT + FR\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x0d\x0d\
                 \x0d\x0d = 1";
    assert!(super::lex::worth_parsing(data, false));
    assert!(super::lex::worth_parsing(data, true));
    if detect(data, Sensitivity::Low).is_some() {
        assert!(detect(data, Sensitivity::High).is_some());
    }
    for s in [
        "insert into t values (1)",
        ";insert into t values (1)",
        "x';insert into t values(1)",
    ] {
        if low(s).is_some() {
            assert!(high(s).is_some(), "{s:?}");
        }
    }
}

mod properties {
    use super::super::{Sensitivity, detect};
    use proptest::prelude::*;

    /// Inputs made of the pieces injections and prose are made of.
    fn pieces() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(&b"'"[..]),
            Just(&b"\""[..]),
            Just(&b"`"[..]),
            Just(&b" or "[..]),
            Just(&b" and "[..]),
            Just(&b"1=1"[..]),
            Just(&b"union select "[..]),
            Just(&b"insert into t "[..]),
            Just(&b"values (1)"[..]),
            Just(&b";"[..]),
            Just(&b"--"[..]),
            Just(&b"#"[..]),
            Just(&b"/*"[..]),
            Just(&b"*/"[..]),
            Just(&b"("[..]),
            Just(&b")"[..]),
            Just(&b"sleep(5)"[..]),
            Just(&b"concat("[..]),
            Just(&b"from users"[..]),
            Just(&b"+"[..]),
            Just(&b" "[..]),
            Just(&b"\xef\xbc\x87"[..]),
            Just(&b"the"[..]),
            Just(&b"O'Reilly"[..]),
            Just(&b"{\"a\":\""[..]),
        ];
        prop::collection::vec(
            prop_oneof![
                piece.prop_map(<[u8]>::to_vec),
                prop::collection::vec(any::<u8>(), 1..4)
            ],
            0..16,
        )
        .prop_map(|v| v.concat())
    }

    proptest! {
        /// HIGH only adds findings: whatever LOW reports, HIGH reports.
        #[test]
        fn high_reports_whatever_low_reports(input in pieces()) {
            if detect(&input, Sensitivity::Low).is_some() {
                prop_assert!(detect(&input, Sensitivity::High).is_some());
            }
        }

        /// Evidence is a few tokens, never empty.
        #[test]
        fn evidence_is_bounded(input in pieces()) {
            for level in [Sensitivity::Low, Sensitivity::High] {
                if let Some(d) = detect(&input, level) {
                    prop_assert!(!d.matched.is_empty() && d.matched.len() <= 5);
                    prop_assert!(d.reason.starts_with("sqli:"));
                }
            }
        }
    }
}
