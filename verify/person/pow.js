(function () {
  "use strict";
  var form = document.getElementById("person");
  if (!form || !window.Uint32Array || !window.TextEncoder) return;
  var K = new Uint32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
  ]);
  var W = new Uint32Array(64), H = new Uint32Array(8), IV = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19], pads = {};
  function sha256(m) {
    var n = m.length, size = ((n + 72) >> 6) << 6, p = pads[size] || (pads[size] = new Uint8Array(size)), i, o;
    p.fill(0); p.set(m); p[n] = 0x80;
    var bits = n * 8;
    p[size - 4] = bits >>> 24; p[size - 3] = (bits >>> 16) & 255; p[size - 2] = (bits >>> 8) & 255; p[size - 1] = bits & 255;
    H.set(IV);
    for (o = 0; o < size; o += 64) {
      for (i = 0; i < 16; i++) W[i] = (p[o + 4 * i] << 24) | (p[o + 4 * i + 1] << 16) | (p[o + 4 * i + 2] << 8) | p[o + 4 * i + 3];
      for (i = 16; i < 64; i++) {
        var x = W[i - 15], y = W[i - 2];
        W[i] = (((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)) + W[i - 7] +
          (((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)) + W[i - 16];
      }
      var a = H[0], b = H[1], c = H[2], d = H[3], e = H[4], f = H[5], g = H[6], h = H[7];
      for (i = 0; i < 64; i++) {
        var t1 = (h + (((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))) +
          ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var t2 = ((((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))) +
          ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      H[0] += a; H[1] += b; H[2] += c; H[3] += d; H[4] += e; H[5] += f; H[6] += g; H[7] += h;
    }
    return H;
  }
  form.addEventListener("submit", function (event) {
    if (form.getAttribute("data-done")) return;
    event.preventDefault();
    var field = function (name) { return form.elements.namedItem(name); };
    var status = document.getElementById("pow-status");
    if (status) status.hidden = false;
    var bits = +form.getAttribute("data-bits");
    var text = [form.getAttribute("data-challenge"), field("id_type").value, field("id_number").value, field("name").value].join("\n");
    var inner = sha256(new TextEncoder().encode(text)).slice(), buf = new Uint8Array(48), k, nonce = 0;
    for (k = 0; k < 8; k++) {
      buf[4 * k] = inner[k] >>> 24; buf[4 * k + 1] = (inner[k] >>> 16) & 255; buf[4 * k + 2] = (inner[k] >>> 8) & 255; buf[4 * k + 3] = inner[k] & 255;
    }
    function step() {
      for (var end = nonce + 50000; nonce < end; nonce++) {
        var s = String(nonce);
        for (k = 0; k < s.length; k++) buf[32 + k] = s.charCodeAt(k);
        if (bits === 0 || Math.clz32(sha256(buf.subarray(0, 32 + s.length))[0]) >= bits) {
          field("nonce").value = s;
          form.setAttribute("data-done", "1");
          HTMLFormElement.prototype.submit.call(form);
          return;
        }
      }
      setTimeout(step, 0);
    }
    step();
  });
})();
