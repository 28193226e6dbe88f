(function () {
  "use strict";
  // Finds n such that SHA-256(nonce ":" n) starts with `bits` zero bits, posts it, and reloads
  // the page once the server has set the token cookie. SHA-256 is written out here because
  // crypto.subtle exists only in secure contexts (not on plain HTTP).
  var NONCE = "__NONCE__";
  var BITS = __BITS__;
  var VERIFY = "__VERIFY__";
  var K = [
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ];
  var W = new Int32Array(64);

  function rotr(x, n) {
    return (x >>> n) | (x << (32 - n));
  }

  // The digest of `msg` (a Uint8Array) as eight 32-bit words.
  function sha256(msg) {
    var len = msg.length;
    var padded = (((len + 8) >> 6) + 1) << 6;
    var m = new Uint8Array(padded);
    m.set(msg);
    m[len] = 0x80;
    var bitsHi = Math.floor(len / 0x20000000);
    var bitsLo = (len << 3) >>> 0;
    m[padded - 8] = bitsHi >>> 24;
    m[padded - 7] = bitsHi >>> 16;
    m[padded - 6] = bitsHi >>> 8;
    m[padded - 5] = bitsHi;
    m[padded - 4] = bitsLo >>> 24;
    m[padded - 3] = bitsLo >>> 16;
    m[padded - 2] = bitsLo >>> 8;
    m[padded - 1] = bitsLo;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85, h2 = 0x3c6ef372, h3 = 0xa54ff53a;
    var h4 = 0x510e527f, h5 = 0x9b05688c, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < padded; off += 64) {
      var t;
      for (t = 0; t < 16; t++) {
        var i = off + 4 * t;
        W[t] = (m[i] << 24) | (m[i + 1] << 16) | (m[i + 2] << 8) | m[i + 3];
      }
      for (t = 16; t < 64; t++) {
        var x = W[t - 15], y = W[t - 2];
        var s0 = rotr(x, 7) ^ rotr(x, 18) ^ (x >>> 3);
        var s1 = rotr(y, 17) ^ rotr(y, 19) ^ (y >>> 10);
        W[t] = (W[t - 16] + s0 + W[t - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (t = 0; t < 64; t++) {
        var S1 = rotr(e, 6) ^ rotr(e, 11) ^ rotr(e, 25);
        var ch = (e & f) ^ (~e & g);
        var t1 = (h + S1 + ch + K[t] + W[t]) | 0;
        var S0 = rotr(a, 2) ^ rotr(a, 13) ^ rotr(a, 22);
        var maj = (a & b) ^ (a & c) ^ (b & c);
        var t2 = (S0 + maj) | 0;
        h = g;
        g = f;
        f = e;
        e = (d + t1) | 0;
        d = c;
        c = b;
        b = a;
        a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0;
      h1 = (h1 + b) | 0;
      h2 = (h2 + c) | 0;
      h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0;
      h5 = (h5 + f) | 0;
      h6 = (h6 + g) | 0;
      h7 = (h7 + h) | 0;
    }
    return [h0, h1, h2, h3, h4, h5, h6, h7];
  }

  function leadingZeroBits(words) {
    var z = 0;
    for (var i = 0; i < 8; i++) {
      var w = words[i] >>> 0;
      if (w !== 0) {
        return z + Math.clz32(w);
      }
      z += 32;
    }
    return z;
  }

  var prefix = [];
  for (var i = 0; i < NONCE.length; i++) {
    prefix.push(NONCE.charCodeAt(i));
  }
  prefix.push(58); // ':'

  function meets(n) {
    var digits = String(n);
    var msg = new Uint8Array(prefix.length + digits.length);
    msg.set(prefix);
    for (var j = 0; j < digits.length; j++) {
      msg[prefix.length + j] = digits.charCodeAt(j);
    }
    return leadingZeroBits(sha256(msg)) >= BITS;
  }

  var status = document.getElementById("rampart-status");

  function say(text) {
    if (status) {
      status.textContent = text;
    }
  }

  function failed() {
    say("Your browser could not be verified. Reload the page to try again.");
  }

  function submit(n) {
    fetch(VERIFY, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: "nonce=" + encodeURIComponent(NONCE) + "&solution=" + n
    }).then(function (response) {
      if (response.ok) {
        location.reload();
      } else {
        failed();
      }
    }, failed);
  }

  var next = 0;
  // Works in slices so the page stays responsive.
  function work() {
    var end = next + 4096;
    for (; next < end; next++) {
      if (meets(next)) {
        submit(next);
        return;
      }
    }
    setTimeout(work, 0);
  }
  work();
})();
