/* The draw verification page (docs/draws.md): recomputes the draw in the visitor's browser
   with WebCrypto (crypto.subtle SHA-256 and HMAC), from the data embedded in the page only, and
   marks each check ✔ or ✘: (a) the chain, (b) the entrants' hash, (c) the winners. */
(function () {
  "use strict";

  var encoder = new TextEncoder();
  var DOMAIN = encoder.encode("umbrella-draw-v1");
  var TWO_32 = 4294967296;

  function hexToBytes(hex) {
    if (typeof hex !== "string" || hex.length % 2 || !/^[0-9a-fA-F]*$/.test(hex)) {
      throw new Error("not hex");
    }
    var out = new Uint8Array(hex.length / 2);
    for (var i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(i * 2, 2), 16);
    return out;
  }

  function toHex(bytes) {
    return Array.from(new Uint8Array(bytes), function (b) {
      return b.toString(16).padStart(2, "0");
    }).join("");
  }

  async function sha256(bytes) {
    return new Uint8Array(await crypto.subtle.digest("SHA-256", bytes));
  }

  function u64(n) { // 8 bytes, big-endian (n is a safe integer)
    var bytes = new Uint8Array(8);
    var view = new DataView(bytes.buffer);
    view.setUint32(0, Math.floor(n / TWO_32));
    view.setUint32(4, n % TWO_32);
    return bytes;
  }

  function concat(parts) {
    var size = parts.reduce(function (s, p) { return s + p.length; }, 0);
    var out = new Uint8Array(size);
    var at = 0;
    parts.forEach(function (p) { out.set(p, at); at += p.length; });
    return out;
  }

  function sortedIds(ids) {
    return ids.slice().sort(function (a, b) { return a - b; });
  }

  function entrantsBytes(ids) { // decimal ASCII ids, sorted, joined by "\n"
    return encoder.encode(sortedIds(ids).map(String).join("\n"));
  }

  async function chainOk(revealed, k, commitment) {
    var value = hexToBytes(revealed);
    for (var i = 0; i < k; i++) value = await sha256(value);
    return toHex(value) === String(commitment).toLowerCase();
  }

  async function entrantsOk(ids, published) {
    return toHex(await sha256(entrantsBytes(ids))) === String(published).toLowerCase();
  }

  async function winners(revealed, ids, prizeId, k, count) {
    var key = await crypto.subtle.importKey(
      "raw", hexToBytes(revealed), { name: "HMAC", hash: "SHA-256" }, false, ["sign"]
    );
    var h = await sha256(entrantsBytes(ids));
    var counter = 0;
    var words = [];
    var next = 0;

    async function word() {
      if (next >= words.length) {
        var message = concat([DOMAIN, h, u64(prizeId), u64(k), u64(counter)]);
        var block = new DataView(await crypto.subtle.sign("HMAC", key, message));
        words = [];
        for (var i = 0; i < 8; i++) words.push(block.getUint32(i * 4));
        next = 0;
        counter += 1;
      }
      return words[next++];
    }

    async function uniform(n) { // rejection sampling: no modulo bias
      var bound = TWO_32 - (TWO_32 % n);
      for (;;) {
        var x = await word();
        if (x < bound) return x % n;
      }
    }

    var a = sortedIds(ids);
    if (!(count >= 0 && count <= a.length)) throw new Error("bad count");
    for (var i = 0; i < count; i++) {
      var j = i + await uniform(a.length - i);
      var t = a[i]; a[i] = a[j]; a[j] = t;
    }
    return a.slice(0, count);
  }

  function mark(name, state, text) {
    var item = document.querySelector('[data-check="' + name + '"]');
    if (!item) return;
    item.dataset.state = state;
    item.querySelector("[data-mark]").textContent = state === "ok" ? "✔" : state === "bad" ? "✘" : "–";
    item.querySelector("[data-verdict]").textContent = text;
  }

  async function safely(check) {
    try { return await check(); } catch (error) { return false; }
  }

  async function run() {
    var source = document.getElementById("draw-data");
    var summary = document.querySelector('[data-testid="verify-summary"]');
    if (!source) return;
    if (!window.crypto || !crypto.subtle) {
      summary.textContent = "Your browser cannot check this page: WebCrypto needs a secure (https) page.";
      return;
    }
    var data;
    try { data = JSON.parse(source.textContent); } catch (error) { data = {}; }
    var chain = await safely(function () { return chainOk(data.revealed, data.number, data.commitment); });
    mark("chain", chain ? "ok" : "bad", chain ? "Passed." : "Failed: the revealed element does not lead to the commitment.");
    var entrants = await safely(function () { return entrantsOk(data.entrants, data.entrants_hash); });
    mark("entrants", entrants ? "ok" : "bad", entrants ? "Passed." : "Failed: these entrants are not the ones the draw published.");
    var ok = chain && entrants;
    if (data.method === "app") {
      mark("winners", "na", "Not applicable: the room's app chose these winners.");
    } else {
      var same = await safely(async function () {
        var again = await winners(data.revealed, data.entrants, data.prize_id, data.number, data.count);
        return again.length === data.result.length && again.every(function (id, i) { return id === data.result[i]; });
      });
      mark("winners", same ? "ok" : "bad", same ? "Passed." : "Failed: the winners do not follow from this data.");
      ok = ok && same;
    }
    summary.dataset.state = ok ? "ok" : "bad";
    summary.textContent = ok ? "✔ This draw verifies." : "✘ This draw does not verify.";
  }

  run();
})();
