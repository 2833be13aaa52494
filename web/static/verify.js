// Checking, in the reader's own browser, that what the page shows is what the newsroom's audit log recorded,
// and that the log was never rewritten. Nothing here trusts the server's word: the record's bytes are hashed
// here (WebCrypto SHA-256, RFC 9162 leaves and nodes), the inclusion proof is walked here to the root of a
// tree head whose Ed25519 signature is checked here against the site's published key, and an update's sealed
// words are opened here with their key and compared with the words on the page.
"use strict";
const newsroomVerify = (() => {
  const encoder = new TextEncoder();
  const fromBase64 = (text) => Uint8Array.from(atob(text), (c) => c.charCodeAt(0));
  const fromHex = (text) => new Uint8Array((text.match(/../g) || []).map((pair) => parseInt(pair, 16)));
  const toHex = (bytes) => [...bytes].map((b) => b.toString(16).padStart(2, "0")).join("");
  const same = (a, b) => a.length === b.length && a.every((value, i) => value === b[i]);

  async function sha256(...parts) {
    const whole = new Uint8Array(parts.reduce((n, part) => n + part.length, 0));
    let at = 0;
    for (const part of parts) { whole.set(part, at); at += part.length; }
    return new Uint8Array(await crypto.subtle.digest("SHA-256", whole));
  }
  const leafHash = (input) => sha256(Uint8Array.of(0), input);
  const nodeHash = (left, right) => sha256(Uint8Array.of(1), left, right);

  // RFC 9162, 2.1.3.2: the root an inclusion path leads to (null: it cannot be a path of that tree).
  async function rootFromInclusion(index, size, leaf, path) {
    if (index >= size) return null;
    let fn = index, sn = size - 1, r = leaf;
    for (const p of path) {
      if (sn === 0) return null;
      if (fn % 2 === 1 || fn === sn) {
        r = await nodeHash(p, r);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        r = await nodeHash(r, p);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return sn === 0 ? r : null;
  }

  // RFC 9162, 2.1.4.2: whether the tree of ``second`` leaves extends the one of ``first`` leaves.
  async function consistent(first, second, firstRoot, secondRoot, proof) {
    if (first > second) return false;
    if (first === second) return proof.length === 0 && same(firstRoot, secondRoot);
    if (first === 0) return proof.length === 0;
    if (!proof.length) return false;
    const path = (first & (first - 1)) === 0 ? [firstRoot, ...proof] : [...proof];
    let fn = first - 1, sn = second - 1;
    while (fn % 2 === 1) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
    let fr = path[0], sr = path[0];
    for (const c of path.slice(1)) {
      if (sn === 0) return false;
      if (fn % 2 === 1 || fn === sn) {
        fr = await nodeHash(c, fr);
        sr = await nodeHash(c, sr);
        if (fn % 2 === 0) while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      } else {
        sr = await nodeHash(sr, c);
      }
      fn = Math.floor(fn / 2); sn = Math.floor(sn / 2);
    }
    return same(fr, firstRoot) && same(sr, secondRoot) && sn === 0;
  }

  // "ok", "bad", "unsigned" (the site signs nothing), "no-key", or "unsupported" (this browser has no Ed25519).
  async function signature(head, publicKey) {
    if (!head.signature) return "unsigned";
    if (!publicKey) return "no-key";
    let key;
    try {
      key = await crypto.subtle.importKey("raw", fromBase64(publicKey), { name: "Ed25519" }, false, ["verify"]);
    } catch (error) {
      return "unsupported";
    }
    const signed = encoder.encode(
      `newsroom-tree-head/v1\n${head.tree_size}\n${head.root_hash}\n${head.last_position}\n${head.timestamp}\n`);
    try {
      return (await crypto.subtle.verify({ name: "Ed25519" }, key, fromBase64(head.signature), signed)) ? "ok" : "bad";
    } catch (error) {
      return "bad";
    }
  }

  // A record's bytes as the tree hashes them: a first line [position, aggregate, version, topic], then the
  // event as stored.
  function parseRecord(bytes) {
    const cut = bytes.indexOf(10);
    const decoder = new TextDecoder();
    const [position, aggregate, version, topic] = JSON.parse(decoder.decode(bytes.slice(0, cut)));
    return { position, aggregate, version, topic, state: JSON.parse(decoder.decode(bytes.slice(cut + 1))) };
  }

  async function unseal(sealed, key) {
    if (sealed.plain) return sealed.plain;
    const box = fromBase64(sealed.box);
    const aes = await crypto.subtle.importKey("raw", fromBase64(key), { name: "AES-GCM" }, false, ["decrypt"]);
    const opened = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: box.slice(0, 12), additionalData: encoder.encode(sealed.key) }, aes, box.slice(12));
    return JSON.parse(new TextDecoder().decode(opened));
  }

  // Words as a reader reads them, from Markdown or from the page: markup, list markers and spacing aside.
  const words = (text) => (text || "").replace(/[*_`#>\\]/g, "").replace(/\s+/g, " ").trim();
  function markdownWords(markdown) {
    return words((markdown || "")
      .replace(/!\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
      .replace(/^\s*(?:[-+*]|\d+[.)])\s+/gm, "")
      .replace(/&amp;/g, "&").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, "\""));
  }

  // What the record says of the item, against what the page shows: a list of differences (empty: none).
  function differences(kind, record, text, shown) {
    const found = [];
    if (kind === "update") {
      const topic = record.topic.replace("newsroom:", "");
      if (topic !== "Article.UpdateAppended" && topic !== "Article.UpdateRevised") found.push(`the record is a ${topic}, not an update's words`);
      if (record.state.update_id && record.state.update_id._data_ !== shown.id) found.push("the record is about another update");
      if (markdownWords(text.body) !== words(shown.body)) found.push("the words shown differ from the words recorded");
      if (text.headline && words(text.headline) !== words(shown.headline)) found.push("the headline shown differs from the one recorded");
    } else if (kind === "erasure") {
      if (record.topic !== "newsroom:Article.UpdateErased") found.push("the record is not an erasure");
      if (!record.state.update_id || record.state.update_id._data_ !== shown.id) found.push("the record is about another update");
      if (words(record.state.reason) !== words(shown.reason)) found.push("the reason shown differs from the one recorded");
    } else {
      if (record.topic !== "newsroom:Article.BodyRevised") found.push("the record is not a correction");
      if (words(record.state.correction_note) !== words(shown.note)) found.push("the correction shown differs from the one recorded");
    }
    return found;
  }

  // Checks a proof bundle (GET .../proof) against what the page shows; ``publicKey`` is the site's key.
  async function check(bundle, shown, publicKey) {
    const problems = [];
    const bytes = fromBase64(bundle.leaf_input);
    const leaf = await leafHash(bytes);
    const path = bundle.proof.audit_path.map(fromHex);
    const head = bundle.tree_head;
    if (bundle.proof.tree_size !== head.tree_size) problems.push("the proof is for another tree than the signed head's");
    const root = await rootFromInclusion(bundle.proof.leaf_index, bundle.proof.tree_size, leaf, path);
    if (!root || toHex(root) !== head.root_hash) problems.push("the record is not the one the audit log holds at that position");
    const record = parseRecord(bytes);
    if (record.position !== bundle.position) problems.push("the record names another position");
    let text = record.state;
    if (bundle.kind === "update") {
      try {
        text = await unseal(record.state.sealed || {}, bundle.key);
      } catch (error) {
        problems.push("the recorded words cannot be opened with their key");
        text = {};
      }
    }
    if (!problems.length) problems.push(...differences(bundle.kind, record, text, shown));
    const signed = await signature(head, publicKey);
    if (signed === "bad") problems.push("the tree head's signature does not match the site's key");
    return { ok: problems.length === 0, problems, signed, position: bundle.position, size: head.tree_size, timestamp: head.timestamp, text };
  }

  return { check, consistent, signature, fromHex, toHex, leafHash, rootFromInclusion, parseRecord };
})();

// On a story page: every "Verify" control checks its update or correction.
(() => {
  if (!document.body || !window.crypto || !crypto.subtle) return;
  document.documentElement.classList.add("can-verify");
  const keyMeta = document.querySelector('meta[name="newsroom-audit-key"]');
  const publicKey = keyMeta ? keyMeta.content : null;
  const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "long" });

  function shownOf(button) {
    const update = button.closest(".update");
    if (update && update.classList.contains("erased")) {
      return { id: update.id.replace(/^u-/, ""), reason: update.querySelector(".tombstone").dataset.reason || "" };
    }
    if (update) {
      const headline = update.querySelector(".update-headline");
      return { id: update.id.replace(/^u-/, ""), body: update.querySelector(".update-body").textContent, headline: headline ? headline.textContent : "" };
    }
    return { note: button.closest(".correction").querySelector(".correction-note").textContent };
  }

  async function verify(button) {
    const holder = button.closest(".update, .correction");
    let result = holder.querySelector(".verified");
    if (!result) {
      result = document.createElement("p");
      result.setAttribute("role", "status");
      holder.append(result);
    }
    result.className = "verified checking";
    result.textContent = "Checking against the audit log…";
    let bundle;
    try {
      const response = await fetch(button.dataset.proof);
      bundle = await response.json();
      if (!response.ok) {
        result.className = "verified bad";
        result.textContent = response.status === 410 ? "Not verifiable: it was erased." : `Not verified: ${bundle.error ? bundle.error.message : response.status}.`;
        return;
      }
    } catch (error) {
      result.className = "verified bad";
      result.textContent = "Could not reach the audit log; try again.";
      return;
    }
    const outcome = await newsroomVerify.check(bundle, shownOf(button), publicKey);
    if (!outcome.ok) {
      result.className = "verified bad";
      result.textContent = "Not verified: " + outcome.problems.join("; ") + ".";
      return;
    }
    const signedWords = {
      ok: `signed ${when(outcome.timestamp)}`,
      unsigned: `as of ${when(outcome.timestamp)} (this site does not sign its log)`,
      "no-key": `as of ${when(outcome.timestamp)} (no key to check the signature with)`,
      unsupported: `as of ${when(outcome.timestamp)} (this browser cannot check the signature)`,
    }[outcome.signed];
    result.className = "verified ok";
    if (bundle.kind === "erasure") {
      result.textContent = `Verified: its removal is recorded at position ${outcome.position.toLocaleString()} of a log of ${outcome.size.toLocaleString()} records, ${signedWords}.`;
      return;
    }
    result.textContent = `Verified: recorded at position ${outcome.position.toLocaleString()} of a log of ${outcome.size.toLocaleString()} records, ${signedWords}.`;
  }

  document.addEventListener("click", (event) => {
    const button = event.target.closest("button.verify");
    if (button) verify(button);
  });
})();
