"""Checks of corpus.py's request building: python3 -m unittest discover -s bench/waf"""

import base64
import json
import sys
import tempfile
import unittest
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpus  # noqa: E402
import send  # noqa: E402

BROWSER = "text/xml,application/xml,application/xhtml+xml,text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5"


def built(inp: dict) -> bytes:
    fields, raw = corpus.crs_stage_request(inp)
    if raw is not None:
        return raw
    rec = corpus.record("t", "sqli", "attack", "crs", 1, fields["method"], fields["uri"],
                        fields["headers"], fields["body"], fields["version"])
    return corpus.serialize(rec)


class GoFtwRequests(unittest.TestCase):
    def test_form_data_is_encoded_and_completed_like_go_ftw(self):
        got = built({"method": "POST", "uri": "/post", "version": "HTTP/1.1",
                     "headers": {"User-Agent": "OWASP CRS test agent", "Host": "localhost", "Accept": BROWSER},
                     "data": 'var=-1839" or "1"="2'})
        self.assertEqual(got, (
            b"POST /post HTTP/1.1\r\n"
            b"Accept: " + BROWSER.encode() + b"\r\n"
            b"Host: shop.example.com\r\nUser-Agent: OWASP CRS test agent\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\nConnection: close\r\nContent-Length: 30\r\n"
            b"\r\nvar=-1839%22+or+%221%22%3D%222"))

    def test_data_that_already_looks_encoded_is_sent_as_is(self):
        got = built({"method": "POST", "headers": {"Host": "localhost"}, "data": "email='%20or%20true;%20foo"})
        self.assertTrue(got.endswith(b"\r\n\r\nemail='%20or%20true;%20foo"))
        self.assertTrue(got.startswith(b"POST / HTTP/1.1\r\n"))

    def test_only_the_harness_host_is_replaced(self):
        self.assertIn(b"\r\nhost: shop.example.com\r\n", built({"headers": {"host": "localhost"}}))
        self.assertIn(b"\r\nHost: 127.0.0.1\r\n", built({"headers": {"Host": "127.0.0.1"}}))
        raw = b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n"
        _, got = corpus.crs_stage_request({"encoded_request": base64.b64encode(raw).decode()})
        self.assertEqual(got, b"GET / HTTP/1.1\r\nHost: shop.example.com\r\n\r\n")

    def test_no_autocomplete_adds_nothing(self):
        got = built({"method": "POST", "headers": {"Host": "localhost", "Content-Length": 4},
                     "data": "test", "autocomplete_headers": False})
        self.assertEqual(got, b"POST / HTTP/1.1\r\nContent-Length: 4\r\nHost: shop.example.com\r\n\r\ntest")

    def test_get_without_data_gets_connection_close_only(self):
        got = built({"uri": "/get?x=1", "headers": {"Host": "localhost"}})
        self.assertEqual(got, b"GET /get?x=1 HTTP/1.1\r\nHost: shop.example.com\r\nConnection: close\r\n\r\n")

    def test_post_without_data_gets_a_zero_content_length(self):
        got = built({"method": "POST", "headers": {"Host": "localhost"}})
        self.assertIn(b"Content-Length: 0\r\n", got)

    def test_multipart_lines_become_crlf(self):
        got = built({"method": "POST", "headers": {"Content-Type": "multipart/form-data; boundary=b"},
                     "data": "--b\nContent-Disposition: form-data; name=\"a\"\n\nx\n--b--\n"})
        self.assertIn(b"--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx\r\n--b--\r\n", got)

    def test_repeat_template(self):
        self.assertEqual(corpus.go_template('a{{ "1" | repeat 3 }}b'), "a111b")

    def test_encoded_request_is_kept_byte_for_byte(self):
        raw = b"GET / HTTP/1.0\r\nHost:\r\n\r\n"
        fields, got = corpus.crs_stage_request({"encoded_request": base64.b64encode(raw).decode()})
        self.assertEqual(got, raw)
        self.assertEqual(fields["headers"], [["Host", ""]])

    def test_query_unescape_rejects_bad_escapes_like_go(self):
        self.assertIsNone(corpus.go_query_unescape(b"a=%1G"))
        self.assertEqual(corpus.go_query_unescape(b"a+b%21"), b"a b!")


class PayloadEncoding(unittest.TestCase):
    def test_reserved_bytes_are_encoded_and_escapes_kept(self):
        self.assertEqual(corpus.encode_payload(b"' or 1=1--"), "%27%20or%201%3D1--")
        self.assertEqual(corpus.encode_payload(b"%2e%2e%2fetc/passwd"), "%2e%2e%2fetc%2Fpasswd")
        self.assertEqual(corpus.encode_payload(b"/%%0a0a"), "%2F%25%0a0a")
        self.assertEqual(corpus.encode_payload("é".encode()), "%C3%A9")

    def test_fragments(self):
        for frag in (b"|", b"; ", b"'\"", b"%0a", b"\\r\\n", b"ls", b"onload", b"boot.ini", b"*"):
            self.assertTrue(corpus.is_fragment(frag), frag)
        for attack in (b"; id", b"| dir", b"../../etc/passwd", b"' or 1=1--", b"<svg onload=alert(1)>"):
            self.assertFalse(corpus.is_fragment(attack), attack)


class Sender(unittest.TestCase):
    def test_source_addresses_are_distinct_loopback(self):
        addrs = [send.source_address(i) for i in range(3000)]
        self.assertEqual(len(set(addrs)), 3000)
        self.assertTrue(all(a.startswith("127.10.") and not a.endswith((".0", ".255")) for a in addrs))

    def test_wire_bytes_match_corpus_serialization(self):
        rec = corpus.record("x", "benign", "benign", "benign", None, "POST", "/a",
                            [["Host", "h"], ["Content-Length", "2"]], b"\xff\x00")
        self.assertEqual(send.wire_bytes(rec, None), corpus.serialize(rec))

    def test_modsec_log_lines_are_tied_to_their_client(self):
        log = (
            '2026/01/01 00:00:00 [info] 1#1: *5 ModSecurity: Warning. Matched "x" [id "942100"] [uri "/"], '
            'client: 127.10.0.7, server: , request: "GET / HTTP/1.1", host: "localhost"\n'
            '2026/01/01 00:00:00 [error] 1#1: *5 [client 127.10.0.7] ModSecurity: Access denied with code 403 '
            '(phase 2). [id "949110"], client: 127.10.0.7, server: , request: "GET / HTTP/1.1"\n'
            '2026/01/01 00:00:00 [info] 1#1: *6 client sent invalid method while reading client request line, '
            'client: 127.10.0.8, server: , request: "G@T / HTTP/1.1"\n')
        with tempfile.NamedTemporaryFile("w", suffix=".log", delete=False) as f:
            f.write(log)
        got = send.parse_modsec_log(Path(f.name))
        self.assertEqual(got["127.10.0.7"]["rules"], ["942100", "949110"])
        self.assertEqual(got["127.10.0.7"]["intervention"], 403)
        self.assertIsNone(got["127.10.0.8"]["intervention"])
        self.assertIn("invalid method", got["127.10.0.8"]["server_reason"])


class WholeCorpus(unittest.TestCase):
    @unittest.skipUnless((corpus.DEFAULT_CORPORA / "crs-regression").is_dir(), "no corpora")
    def test_deterministic_and_well_formed(self):
        with tempfile.TemporaryDirectory() as d:
            outs = []
            for n in (1, 2):
                out = Path(d) / f"r{n}.jsonl"
                sys.argv = ["corpus.py", "--out", str(out), "--quick"]
                corpus.main()
                outs.append(out.read_bytes())
            self.assertEqual(outs[0], outs[1])
            recs = [json.loads(line) for line in outs[0].decode().splitlines()]
            keys = {"id", "class", "label", "source", "paranoia_level", "method", "uri", "version", "headers"}
            for rec in recs:
                self.assertTrue(keys <= rec.keys() <= keys | {"body", "body_base64"}, rec["id"])
                self.assertIn(rec["label"], ("attack", "benign"))


if __name__ == "__main__":
    unittest.main()
