"""The benign set of bench/waf-detect.sh: realistic requests from templates.

Every request is built from the word lists in bench/waf/benign/ (written for
this benchmark) with a fixed-seed random generator, so the set is the same on
every run. The templates imitate what browsers, single-page apps, mobile apps
and API clients send to a shop with a blog, a forum and a help centre: page
loads with cookies (session ids, JWTs, analytics and consent cookies), site
search with quotes and apostrophes, forms with free text, JSON APIs (nested
objects, arrays, unicode, REST verbs), HTML from rich-text editors and
multipart uploads. Nothing here was chosen by looking at what either WAF
blocks; see bench/waf/README.md.
"""

from __future__ import annotations

import base64
import json
import random
import urllib.parse
from pathlib import Path

SEED = 20241124
BASE_TS = 1731900000  # 2024-11-18, for cookies and tokens
HOST = "shop.example.com"
API_HOST = "api.example.com"

# How many requests of each kind (primary benign set, class "benign").
COUNTS = {
    "page": 220,
    "static": 60,
    "search": 240,
    "api-get": 120,
    "form": 220,
    "json": 220,
    "richtext": 140,
    "multipart": 100,
}

HTML_ACCEPT = (
    "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
    "image/apng,*/*;q=0.8"
)
FF_HTML_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


def _lines(path: Path) -> list[str]:
    return [
        line
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    ]


def _table(path: Path) -> list[list[str]]:
    return [[c.strip() for c in line.split("|")] for line in _lines(path)]


class Gen:
    def __init__(self, lists: Path):
        self.rng = random.Random(SEED)
        self.ua = _lines(lists / "user_agents.txt")
        self.api_ua = _lines(lists / "api_user_agents.txt")
        self.langs = _lines(lists / "accept_languages.txt")
        self.paths = _lines(lists / "paths.txt")
        self.referers = _lines(lists / "referers.txt")
        self.queries = _lines(lists / "search_queries.txt")
        self.sentences = _lines(lists / "sentences.txt")
        self.first = _lines(lists / "first_names.txt")
        self.last = _lines(lists / "last_names.txt")
        self.addresses = _table(lists / "addresses.txt")
        self.products = _table(lists / "products.txt")
        self.html = _lines(lists / "rich_text.txt")
        text = (lists / "code_snippets.txt").read_text(encoding="utf-8")
        body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
        self.code = [s.strip("\n") for s in body.split("\n----\n") if s.strip()]

    # --- small pieces ---------------------------------------------------------
    def pick(self, seq):
        return self.rng.choice(seq)

    def hexs(self, n: int, upper: bool = False) -> str:
        s = "".join(self.rng.choice("0123456789abcdef") for _ in range(n))
        return s.upper() if upper else s

    def alnum(self, n: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
        return "".join(self.rng.choice(alphabet) for _ in range(n))

    def b64url(self, n: int) -> str:
        raw = bytes(self.rng.getrandbits(8) for _ in range(n))
        return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

    def uuid(self) -> str:
        h = self.hexs(32)
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"

    def ts(self) -> int:
        return BASE_TS + self.rng.randint(0, 30 * 86400)

    def name(self) -> tuple[str, str]:
        return self.pick(self.first), self.pick(self.last)

    def email(self, first: str, last: str) -> str:
        def ascii_part(s: str) -> str:
            s = s.lower().replace("'", "").replace(" ", "").replace(".", "")
            return "".join(c for c in s if c.isascii() and (c.isalnum() or c == "-")) or "user"

        domain = self.pick(["gmail.com", "outlook.com", "yahoo.co.uk", "example.org", "web.de",
                            "icloud.com", "proton.me", "company.example"])
        sep = self.pick([".", "_", ""])
        return f"{ascii_part(first)}{sep}{ascii_part(last)}{self.rng.randint(1, 99) if self.rng.random() < 0.3 else ''}@{domain}"

    def phone(self) -> str:
        return self.pick([
            f"+44 7{self.rng.randint(100, 999)} {self.rng.randint(100000, 999999)}",
            f"({self.rng.randint(200, 989)}) {self.rng.randint(200, 999)}-{self.rng.randint(1000, 9999)}",
            f"+49 30 {self.rng.randint(1000000, 9999999)}",
            f"+33 6 {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)} {self.rng.randint(10, 99)}",
            f"0{self.rng.randint(100, 999)}-{self.rng.randint(100000, 999999)}",
        ])

    def jwt(self, first: str, last: str) -> str:
        header = {"alg": self.pick(["HS256", "RS256"]), "typ": "JWT"}
        if header["alg"] == "RS256":
            header["kid"] = self.alnum(16)
        iat = self.ts()
        payload = {
            "sub": f"usr_{self.alnum(20)}",
            "name": f"{first} {last}",
            "email": self.email(first, last),
            "iat": iat,
            "exp": iat + 3600,
            "scope": self.pick(["orders:read orders:write", "profile", "openid profile email"]),
        }

        def enc(obj) -> str:
            raw = json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()
            return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()

        sig = self.b64url(32 if header["alg"] == "HS256" else 256)
        return f"{enc(header)}.{enc(payload)}.{sig}"

    def cookies(self, logged_in: bool, first: str, last: str) -> str:
        ts = self.ts()
        parts = [
            f"_ga=GA1.1.{self.rng.randint(10**9, 10**10 - 1)}.{ts}",
            f"_ga_{self.alnum(10, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}=GS1.1.{ts}.{self.rng.randint(1, 40)}.1.{ts + 300}.0.0.0",
        ]
        if self.rng.random() < 0.5:
            parts.append(f"_gid=GA1.2.{self.rng.randint(10**8, 10**9 - 1)}.{ts}")
        if self.rng.random() < 0.4:
            parts.append(f"_fbp=fb.1.{ts}{self.rng.randint(100, 999)}.{self.rng.randint(10**8, 10**9 - 1)}")
        consent = self.rng.random()
        if consent < 0.4:
            parts.append("cookieconsent_status=dismiss")
        elif consent < 0.7:
            parts.append(
                "OptanonConsent=isGpcEnabled=0&datestamp=Mon+Nov+18+2024+10%3A21%3A33+GMT%2B0100"
                "+(Central+European+Standard+Time)&version=202409.1.0&browserGpcFlag=0"
                "&isIABGlobal=false&hosts=&landingPath=NotLandingPage"
                "&groups=C0001%3A1%2CC0002%3A1%2CC0003%3A0%2CC0004%3A0"
            )
        session = self.pick(["django", "php", "java", "express", "rails"])
        if session == "django":
            parts += [f"csrftoken={self.alnum(32, 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789')}",
                      f"sessionid={self.alnum(32)}"]
        elif session == "php":
            parts.append(f"PHPSESSID={self.alnum(26, 'abcdefghijklmnopqrstuv0123456789')}")
        elif session == "java":
            parts.append(f"JSESSIONID={self.hexs(32, upper=True)}")
        elif session == "express":
            parts.append(f"connect.sid=s%3A{self.b64url(24)}.{self.b64url(32)}")
        else:
            parts.append(f"_shop_session={self.b64url(96)}--{self.hexs(40)}")
        if logged_in and self.rng.random() < 0.5:
            parts.append(f"access_token={self.jwt(first, last)}")
        if self.rng.random() < 0.4:
            parts.append(f"cart_id={self.uuid()}")
        if self.rng.random() < 0.3:
            skus = ",".join(self.pick(self.products)[1] for _ in range(self.rng.randint(1, 4)))
            parts.append(f"recently_viewed={urllib.parse.quote(skus, safe='')}")
        if self.rng.random() < 0.3:
            parts.append(f"lang={self.pick(['en-GB', 'de', 'fr', 'ja', 'es'])}")
        if self.rng.random() < 0.2:
            parts.append(f"currency={self.pick(['EUR', 'USD', 'GBP'])}")
        return "; ".join(parts)

    def browser(self) -> tuple[str, bool]:
        ua = self.pick(self.ua)
        return ua, "Firefox" in ua

    def browser_headers(self, kind: str, referer: str | None = None, cookies: bool = True,
                        host: str = HOST) -> list[list[str]]:
        """Headers in the order Chrome/Firefox send them for a navigation or XHR."""
        ua, firefox = self.browser()
        first, last = self.name()
        h = [["Host", host], ["Connection", "close"]]
        chrome = "Chrome/" in ua  # Chromium browsers send client hints
        if chrome:
            platform = next((p for key, p in (("Android", "Android"), ("Windows", "Windows"),
                                              ("Macintosh", "macOS"), ("Linux", "Linux")) if key in ua), "Unknown")
            h.append(["sec-ch-ua", '"Chromium";v="130", "Google Chrome";v="130", "Not?A_Brand";v="99"'])
            h.append(["sec-ch-ua-mobile", "?1" if "Mobile" in ua else "?0"])
            h.append(["sec-ch-ua-platform", f'"{platform}"'])
        if kind == "navigate":
            h.append(["Upgrade-Insecure-Requests", "1"])
        h.append(["User-Agent", ua])
        if kind == "navigate":
            h.append(["Accept", FF_HTML_ACCEPT if firefox else HTML_ACCEPT])
        elif kind == "xhr":
            h.append(["Accept", "application/json, text/plain, */*"])
        if chrome or firefox:
            site = "none" if referer is None else ("same-origin" if "example.com" in referer else "cross-site")
            if kind == "navigate":
                h += [["Sec-Fetch-Site", site], ["Sec-Fetch-Mode", "navigate"],
                      ["Sec-Fetch-User", "?1"], ["Sec-Fetch-Dest", "document"]]
            else:
                h += [["Sec-Fetch-Site", "same-origin"], ["Sec-Fetch-Mode", "cors"],
                      ["Sec-Fetch-Dest", "empty"]]
        if referer:
            h.append(["Referer", referer])
        h.append(["Accept-Encoding", "gzip, deflate, br, zstd" if chrome else "gzip, deflate, br"])
        h.append(["Accept-Language", self.pick(self.langs)])
        if cookies:
            h.append(["Cookie", self.cookies(self.rng.random() < 0.6, first, last)])
        return h

    def with_body(self, headers: list[list[str]], ctype: str, body: bytes) -> list[list[str]]:
        # Browsers put Content-Type/Length after the fetch metadata, before Origin.
        out = []
        placed = False
        for name, value in headers:
            if not placed and name in ("Referer", "Accept-Encoding"):
                out += [["Content-Type", ctype], ["Content-Length", str(len(body))],
                        ["Origin", f"https://{HOST}"]]
                placed = True
            out.append([name, value])
        if not placed:
            out += [["Content-Type", ctype], ["Content-Length", str(len(body))]]
        return out

    def text(self, lo: int = 1, hi: int = 3) -> str:
        return " ".join(self.pick(self.sentences) for _ in range(self.rng.randint(lo, hi)))

    # --- request kinds --------------------------------------------------------
    def page(self):
        path = self.pick(self.paths)
        r = self.rng.random()
        if r < 0.15:
            campaign = self.pick(["black_friday_2024", "winter-sale", "newsletter_nov", "retargeting"])
            path += f"?utm_source={self.pick(['newsletter', 'google', 'facebook', 'instagram'])}&utm_medium={self.pick(['email', 'cpc', 'social'])}&utm_campaign={campaign}"
        elif r < 0.25:
            path += f"?page={self.rng.randint(2, 12)}"
        elif r < 0.35:
            path += f"?sort={self.pick(['price-asc', 'price-desc', 'newest', 'best-selling'])}&color={self.pick(['blue', 'black', 'red', 'green'])}&size={self.pick(['s', 'm', 'l', '10', '42'])}"
        elif r < 0.42:
            path += f"?gclid={self.b64url(40)}"
        elif r < 0.47:
            path += f"?fbclid=IwAR{self.b64url(45)}"
        elif r < 0.52:
            path += f"?variant={self.rng.randint(30000000000, 49999999999)}"
        ref = self.pick(self.referers) if self.rng.random() < 0.7 else None
        return "GET", path, self.browser_headers("navigate", ref, cookies=self.rng.random() < 0.85), b""

    def static(self):
        asset, accept, dest = self.pick([
            (f"/static/css/main.{self.hexs(8)}.css", "text/css,*/*;q=0.1", "style"),
            (f"/static/js/app.{self.hexs(8)}.js", "*/*", "script"),
            (f"/static/js/vendor.{self.hexs(8)}.chunk.js", "*/*", "script"),
            (f"/images/products/{self.pick(self.products)[1].lower()}@2x.webp",
             "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image"),
            ("/favicon.ico", "image/avif,image/webp,image/apng,image/svg+xml,image/*,*/*;q=0.8", "image"),
            ("/fonts/Inter-var.woff2", "*/*", "font"),
            ("/manifest.webmanifest", "*/*", "manifest"),
        ])
        ua, _ = self.browser()
        h = [["Host", HOST], ["Connection", "close"], ["User-Agent", ua], ["Accept", accept],
             ["Sec-Fetch-Site", "same-origin"], ["Sec-Fetch-Mode", "no-cors"], ["Sec-Fetch-Dest", dest],
             ["Referer", f"https://{HOST}{self.pick(self.paths)}"],
             ["Accept-Encoding", "gzip, deflate, br"], ["Accept-Language", self.pick(self.langs)]]
        if self.rng.random() < 0.5:
            h.append(["If-None-Match", f'W/"{self.hexs(4)}-{self.b64url(20)}"'])
            h.append(["If-Modified-Since", "Tue, 12 Nov 2024 08:14:51 GMT"])
        return "GET", asset, h, b""

    def search(self):
        q = self.pick(self.queries)
        style = self.rng.random()
        if style < 0.6:
            # an HTML <form method=get>: application/x-www-form-urlencoded
            uri = "/search?q=" + urllib.parse.quote_plus(q, safe="")
            if self.rng.random() < 0.3:
                uri += f"&page={self.rng.randint(2, 5)}"
            if self.rng.random() < 0.3:
                uri += f"&category={self.pick(['all', 'shoes', 'books', 'home-garden', 'kids'])}"
            return "GET", uri, self.browser_headers("navigate", f"https://{HOST}{self.pick(self.paths)}"), b""
        # a single-page app: encodeURIComponent keeps ' ( ) ! * ~ as they are
        uri = f"/api/search/suggest?q={urllib.parse.quote(q, safe=chr(39) + '()!*~')}&limit={self.pick([5, 8, 10])}"
        return "GET", uri, self.browser_headers("xhr", f"https://{HOST}/search"), b""

    def api_get(self):
        first, last = self.name()
        r = self.rng.random()
        if r < 0.35:
            uri = (f"/api/v1/products?category={self.pick(['shoes', 'books', 'kitchen', 'outdoor'])}"
                   f"&sort={self.pick(['-price', 'price', '-rating', 'name'])}&fields=id,name,price,rating"
                   f"&page%5Bsize%5D={self.pick([20, 50])}&page%5Bnumber%5D={self.rng.randint(1, 6)}")
        elif r < 0.55:
            uri = f"/api/v1/orders/{self.rng.randint(100000000, 109999999)}?include=items,shipments"
        elif r < 0.65:
            uri = "/api/v1/me"
        elif r < 0.75:
            since = f"2024-{self.rng.randint(1, 11):02d}-{self.rng.randint(1, 28):02d}T00:00:00Z"
            uri = f"/api/v1/orders?status=shipped,delivered&created_after={urllib.parse.quote(since, safe='')}&limit=25"
        elif r < 0.85:
            query = self.pick([
                'query { product(id: "42") { name price { amount currency } reviews(first: 5) { rating title } } }',
                "query Cart { cart { id items { sku quantity } total } }",
                'query { search(term: "trail runner", first: 10) { edges { node { id name } } } }',
            ])
            uri = "/graphql?query=" + urllib.parse.quote(query, safe="")
        else:
            uri = f"/api/v1/stores?near={self.rng.uniform(40, 52):.4f},{self.rng.uniform(-74, 13):.4f}&radius_km=25"
        if self.rng.random() < 0.5:
            h = self.browser_headers("xhr", f"https://{HOST}{self.pick(self.paths)}", cookies=True)
            h.insert(2, ["Authorization", f"Bearer {self.jwt(first, last)}"])
        else:
            h = [["Host", API_HOST], ["Connection", "close"], ["User-Agent", self.pick(self.api_ua)],
                 ["Accept", "application/json"], ["Accept-Encoding", "gzip"],
                 ["Authorization", f"Bearer {self.jwt(first, last)}"]]
            if self.rng.random() < 0.5:
                h.append(["X-Request-ID", self.uuid()])
        return "GET", uri, h, b""

    def form(self):
        first, last = self.name()
        email = self.email(first, last)
        kind = self.pick(["contact", "signup", "address", "checkout", "review", "login", "newsletter"])
        csrf = self.alnum(64, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        if kind == "contact":
            path = "/contact"
            fields = [("csrfmiddlewaretoken", csrf), ("name", f"{first} {last}"), ("email", email),
                      ("phone", self.phone()),
                      ("subject", self.pick(["Order question", "Returns", "Where's my order?", "Feedback", "Partnership"])),
                      ("message", self.text(1, 4))]
        elif kind == "signup":
            path = "/account/register"
            pw = self.pick(["Tr0ub4dor&3", "correct horse battery staple", "P@ssw0rd!2024", "Sommer#2024",
                            "hunter2-but-longer", "x7$Kp!9qLm", "MyDog'sName1", "l0ve&peace<3"])
            fields = [("authenticity_token", csrf), ("user[first_name]", first), ("user[last_name]", last),
                      ("user[email]", email), ("user[password]", pw), ("user[password_confirmation]", pw),
                      ("user[newsletter]", self.pick(["0", "1"])), ("commit", "Create account")]
        elif kind == "address":
            street, city, zipc, country = self.pick(self.addresses)
            path = "/account/addresses"
            fields = [("_token", csrf), ("full_name", f"{first} {last}"), ("line1", street),
                      ("line2", self.pick(["", "Floor 2", "Building C", "c/o Reception"])),
                      ("city", city), ("postcode", zipc), ("country", country), ("phone", self.phone()),
                      ("delivery_instructions", self.pick(["", "Leave with the neighbour at no. 14", "Ring twice; the bell's broken",
                                                           "Gate code 4821#", "Don't leave it outside if it's raining"])),
                      ("default", "on")]
        elif kind == "checkout":
            name, sku, price = self.pick(self.products)
            path = "/checkout/payment"
            fields = [("_token", csrf), ("cardholder", f"{first} {last}"),
                      ("promo_code", self.pick(["", "SAVE20", "WELCOME10", "BF-2024"])),
                      ("gift_message", self.pick(["", "Happy birthday! Love, Mum & Dad", "For the best dad in the world :)",
                                                  "Merry Christmas — don't open before the 25th!"])),
                      ("item", f"{name} ({sku})"), ("amount", self.pick([f"${price}", f"€{price.replace('.', ',')}", f"£{price}"])),
                      ("agree_terms", "on")]
        elif kind == "review":
            name, sku, _ = self.pick(self.products)
            path = f"/products/{sku.lower()}/reviews"
            fields = [("_token", csrf), ("rating", str(self.rng.randint(1, 5))),
                      ("title", self.pick(["Love it!", "Not bad", "Don't buy", "Great value", "It's OK", "Exactly as described"])),
                      ("body", self.text(1, 3)), ("name", f"{first} {last[:1]}."), ("recommend", self.pick(["yes", "no"]))]
        elif kind == "login":
            path = "/login"
            fields = [("csrf_token", csrf), ("email", email),
                      ("password", self.pick(["Tr0ub4dor&3", "P@ssw0rd!2024", "s3cret-Sauce", "C0ffee&Cake", "it's-me-again"])),
                      ("remember_me", "1")]
        else:
            path = "/newsletter/subscribe"
            fields = [("email", email), ("interests[]", "running"), ("interests[]", "outdoor"), ("source", "footer")]
        body = urllib.parse.urlencode(fields).encode()
        ctype = self.pick(["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8"])
        h = self.with_body(self.browser_headers("navigate", f"https://{HOST}{path}"), ctype, body)
        return "POST", path, h, body

    def json_doc(self, first: str, last: str):
        kind = self.pick(["order", "cart", "profile", "address", "events", "search", "graphql", "review", "ticket"])
        if kind == "order":
            items = []
            for _ in range(self.rng.randint(1, 4)):
                name, sku, price = self.pick(self.products)
                items.append({"sku": sku, "name": name, "quantity": self.rng.randint(1, 3), "unit_price": float(price)})
            street, city, zipc, country = self.pick(self.addresses)
            doc = {"customer": {"first_name": first, "last_name": last, "email": self.email(first, last), "phone": self.phone()},
                   "items": items,
                   "shipping_address": {"line1": street, "city": city, "postcode": zipc, "country": country},
                   "notes": self.pick(["", self.pick(self.sentences)]),
                   "gift": self.rng.random() < 0.2, "currency": self.pick(["EUR", "USD", "GBP"]), "coupon": None}
            return "POST", "/api/v1/orders", doc
        if kind == "cart":
            name, sku, _ = self.pick(self.products)
            if self.rng.random() < 0.15:
                return "DELETE", f"/api/v1/cart/items/{self.rng.randint(1, 9999)}", None
            return "POST", "/api/v1/cart/items", {"sku": sku, "quantity": self.rng.randint(1, 5), "options": {"size": self.pick(["S", "M", "L", "42", "10.5"]), "colour": self.pick(["Navy", "Forest green", "Off-white"])}}
        if kind == "profile":
            doc = {"display_name": f"{first} {last}", "bio": self.pick(self.sentences),
                   "preferences": {"language": self.pick(["en-GB", "de-DE", "fr-FR", "ja-JP"]), "newsletter": self.rng.random() < 0.5,
                                   "notifications": {"email": True, "sms": False, "push": self.rng.random() < 0.5}},
                   "website": self.pick(["", "https://example.org/~" + first.lower().replace(" ", ""), "https://github.com/example"])}
            return self.pick(["PATCH", "POST"]), "/api/v1/me", doc
        if kind == "address":
            street, city, zipc, country = self.pick(self.addresses)
            return self.pick(["PUT", "POST"]), f"/api/v1/addresses/{self.rng.randint(1, 500)}", {
                "name": f"{first} {last}", "line1": street, "city": city, "postcode": zipc, "country": country, "is_default": True}
        if kind == "events":
            events = []
            for _ in range(self.rng.randint(1, 5)):
                events.append({"event": self.pick(["page_view", "add_to_cart", "search", "select_item", "begin_checkout"]),
                               "ts": self.ts() * 1000 + self.rng.randint(0, 999),
                               "props": {"path": self.pick(self.paths), "query": self.pick(self.queries) if self.rng.random() < 0.3 else None,
                                         "screen": self.pick(["1920x1080", "390x844", "1440x900"])}})
            return "POST", "/api/v1/events", {"client_id": f"{self.rng.randint(10**9, 10**10 - 1)}.{self.ts()}", "session_id": self.uuid(), "events": events}
        if kind == "search":
            return "POST", "/api/v1/search", {"query": self.pick(self.queries), "filters": {"price": {"min": 0, "max": self.pick([50, 100, 250])},
                                              "brand": self.rng.sample(["Acme", "Nordwind", "L'Atelier", "O'Neill", "Müller & Söhne"], 2),
                                              "in_stock": True}, "sort": [{"field": "relevance", "order": "desc"}], "page": {"size": 24, "number": 1}}
        if kind == "graphql":
            return "POST", "/graphql", {"operationName": "AddToCart",
                                        "query": "mutation AddToCart($sku: String!, $qty: Int!) { addToCart(sku: $sku, quantity: $qty) { cart { id total { amount currency } } errors { field message } } }",
                                        "variables": {"sku": self.pick(self.products)[1], "qty": self.rng.randint(1, 3)}}
        if kind == "review":
            name, sku, _ = self.pick(self.products)
            return "POST", f"/api/v1/products/{sku}/reviews", {"rating": self.rng.randint(1, 5), "title": self.pick(["Love it!", "Meh", "Worth every penny", "Don't bother"]),
                                                              "body": self.text(1, 3), "author": {"name": f"{first} {last[:1]}.", "verified_buyer": True},
                                                              "tags": self.rng.sample(["comfort", "value", "quality", "size", "délai"], 2)}
        return "POST", "/api/v1/support/tickets", {"subject": self.pick(["Order not arrived", "Refund", "Damaged item", "Account"]),
                                                   "message": self.text(2, 4), "order_id": str(self.rng.randint(100000000, 109999999)),
                                                   "contact": {"email": self.email(first, last), "phone": self.phone()}, "attachments": []}

    def json_api(self):
        first, last = self.name()
        method, path, doc = self.json_doc(first, last)
        body = b"" if doc is None else json.dumps(doc, ensure_ascii=self.rng.random() < 0.3).encode()
        if self.rng.random() < 0.6:
            h = self.browser_headers("xhr", f"https://{HOST}{self.pick(self.paths)}")
            h.insert(2, ["X-CSRF-Token", self.b64url(32)])
        else:
            h = [["Host", API_HOST], ["Connection", "close"], ["User-Agent", self.pick(self.api_ua)],
                 ["Accept", "application/json"], ["Accept-Encoding", "gzip"],
                 ["Authorization", f"Bearer {self.jwt(first, last)}"]]
            if self.rng.random() < 0.5:
                h.append(["Idempotency-Key", self.uuid()])
        if doc is None:
            return method, path, h, body
        ctype = self.pick(["application/json", "application/json", "application/json; charset=utf-8"])
        return method, path, self.with_body(h, ctype, body), body

    def rich_html(self) -> str:
        parts = [self.pick(self.html) for _ in range(self.rng.randint(1, 3))]
        if self.rng.random() < 0.5:
            parts.insert(self.rng.randint(0, len(parts)), f"<p>{self.pick(self.sentences)}</p>")
        return "".join(parts)

    def richtext(self):
        html = self.rich_html()
        if self.rng.random() < 0.5:
            path = self.pick(["/forum/t/my-first-week-with-the-new-firmware/5177/reply",
                              "/blog/2024/10/a-field-guide-to-sourdough/comments",
                              "/admin/posts/218/edit", "/account/messages/new"])
            fields = [("_token", self.b64url(30)), ("title", self.pick(["", "Re: firmware", "Draft: holiday hours", "Question about my order"])),
                      ("content", html), ("format", "html")]
            body = urllib.parse.urlencode(fields).encode()
            h = self.with_body(self.browser_headers("navigate", f"https://{HOST}{path}"), "application/x-www-form-urlencoded", body)
            return "POST", path, h, body
        doc = {"title": self.pick(["Holiday opening hours", "What's new in version 5", "Sourdough, part 2", "Re: my order"]),
               "body_html": html, "status": self.pick(["draft", "published"]),
               "tags": self.rng.sample(["news", "recipes", "release-notes", "community"], 2)}
        body = json.dumps(doc).encode()
        method = self.pick(["POST", "POST", "PUT"])
        path = "/api/v1/posts" if method == "POST" else f"/api/v1/posts/{self.rng.randint(1, 400)}"
        h = self.browser_headers("xhr", f"https://{HOST}/admin/posts/new")
        h.insert(2, ["X-CSRF-Token", self.b64url(32)])
        return method, path, self.with_body(h, "application/json", body), body

    def multipart(self):
        first, last = self.name()
        ua, firefox = self.browser()
        if firefox:
            boundary = "-" * 27 + str(self.rng.randint(10**28, 10**29 - 1))
        else:
            boundary = "----WebKitFormBoundary" + self.alnum(16, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
        fname, ctype, content = self.pick([
            ("notes.txt", "text/plain", self.text(2, 5) + "\n"),
            ("order-list.csv", "text/csv",
             "sku,name,quantity\n" + "".join(f'{p[1]},"{p[0].replace(chr(34), chr(34) * 2)}",{self.rng.randint(1, 9)}\n'
                                              for p in self.rng.sample(self.products, 3))),
            ("README.md", "text/markdown", f"# Return request\n\nName: {first} {last}\n\n{self.text(1, 2)}\n"),
            ("packing slip.txt", "text/plain", f"Order #{self.rng.randint(100000000, 109999999)}\nItems: 3\nShipped: 2024-11-{self.rng.randint(1, 28):02d}\n"),
        ])
        fields = [("_token", self.b64url(30)), ("subject", self.pick(["Return request", "Invoice", "Damaged item photos", "Bulk order"])),
                  ("description", self.pick(self.sentences)), ("order_id", str(self.rng.randint(100000000, 109999999)))]
        crlf = "\r\n"
        out = ""
        for k, v in fields:
            out += f"--{boundary}{crlf}Content-Disposition: form-data; name=\"{k}\"{crlf}{crlf}{v}{crlf}"
        out += (f"--{boundary}{crlf}Content-Disposition: form-data; name=\"attachment\"; filename=\"{fname}\"{crlf}"
                f"Content-Type: {ctype}{crlf}{crlf}{content}{crlf}--{boundary}--{crlf}")
        body = out.encode()
        path = self.pick(["/support/tickets/new", "/account/documents/upload", "/returns/new"])
        h = self.with_body(self.browser_headers("navigate", f"https://{HOST}{path}"),
                           f"multipart/form-data; boundary={boundary}", body)
        return "POST", path, h, body

    def code_post(self, snippet: str, as_json: bool):
        path = "/forum/t/union-vs-join-which-one-should-i-use/4821/reply"
        if as_json:
            body = json.dumps({"raw": snippet, "topic_id": 4821, "reply_to_post_number": self.rng.randint(1, 30)}).encode()
            h = self.browser_headers("xhr", f"https://{HOST}/forum/t/union-vs-join-which-one-should-i-use/4821")
            h.insert(2, ["X-CSRF-Token", self.b64url(32)])
            return "POST", "/forum/posts.json", self.with_body(h, "application/json", body), body
        body = urllib.parse.urlencode([("_token", self.b64url(30)), ("body", snippet)]).encode()
        h = self.with_body(self.browser_headers("navigate", f"https://{HOST}{path}"), "application/x-www-form-urlencoded", body)
        return "POST", path, h, body


def generate(lists: Path) -> list[dict]:
    """The benign requests, as keyword arguments of corpus.record()."""
    g = Gen(lists)
    makers = {
        "page": g.page, "static": g.static, "search": g.search, "api-get": g.api_get,
        "form": g.form, "json": g.json_api, "richtext": g.richtext, "multipart": g.multipart,
    }
    out = []
    for kind, count in COUNTS.items():
        for n in range(count):
            method, uri, headers, body = makers[kind]()
            out.append(dict(rid=f"benign/{kind}-{n:04d}", cls="benign", label="benign", source="benign",
                            pl=None, method=method, uri=uri, headers=headers, body=body))
    for n, snippet in enumerate(g.code):
        for as_json in (False, True):
            method, uri, headers, body = g.code_post(snippet, as_json)
            out.append(dict(rid=f"benign/code-{n:02d}-{'json' if as_json else 'form'}", cls="benign-code",
                            label="benign", source="benign", pl=None, method=method, uri=uri,
                            headers=headers, body=body))
    return out
