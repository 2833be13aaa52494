// The /verify page: the log's current head, kept in this browser on request, and a check, done here, that
// the log now extends a head kept earlier (RFC 9162 consistency proof; Ed25519 signatures).
"use strict";
(() => {
  const byId = (id) => document.getElementById(id);
  const KEPT = "newsroom-tree-heads";
  const when = (iso) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "long" });
  const kept = () => JSON.parse(localStorage.getItem(KEPT) || "[]");
  let current = null;

  function line(text, kind) {
    const node = document.createElement("p");
    node.className = "verified " + (kind || "");
    node.textContent = text;
    return node;
  }

  async function load() {
    const response = await fetch("/api/audit/tree-head");
    current = await response.json();
    const box = byId("current");
    const pre = document.createElement("pre");
    pre.textContent = JSON.stringify(current, null, 2);
    box.replaceChildren(line(`${current.tree_size.toLocaleString()} records, ${current.signature ? "signed" : "unsigned"} ${when(current.timestamp)}.`), pre);
    const heads = kept();
    if (heads.length && !byId("saved-head").value) byId("saved-head").value = JSON.stringify(heads[heads.length - 1], null, 2);
    byId("kept").textContent = heads.length ? `This browser keeps ${heads.length} head${heads.length === 1 ? "" : "s"}; the latest is above.` : "";
  }

  byId("save-head").addEventListener("click", () => {
    const heads = kept();
    heads.push(current);
    localStorage.setItem(KEPT, JSON.stringify(heads.slice(-20)));
    byId("kept").textContent = `Kept: the head of ${current.tree_size.toLocaleString()} records. Come back later to check the log still extends it.`;
  });

  byId("check-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const outcome = byId("outcome");
    outcome.replaceChildren(line("Checking…", "checking"));
    let saved;
    try {
      saved = JSON.parse(byId("saved-head").value);
    } catch (error) {
      saved = null;
    }
    // A head is checked against the log: one without a whole size and a root cannot be, so say so at once.
    const isHead = saved !== null && typeof saved === "object" && !Array.isArray(saved)
      && Number.isSafeInteger(saved.tree_size) && saved.tree_size >= 0
      && typeof saved.root_hash === "string" && /^[0-9a-f]{64}$/.test(saved.root_hash)
      && typeof saved.timestamp === "string";
    if (!isHead) {
      outcome.replaceChildren(line("That is not a tree head: paste the JSON as it was downloaded (it has tree_size, root_hash and timestamp).", "bad"));
      return;
    }
    const key = byId("public-key").value.trim() || null;
    const now = await (await fetch("/api/audit/tree-head")).json();
    const problems = [];
    const notes = [];
    for (const [name, head] of [["the kept head", saved], ["the current head", now]]) {
      const signed = await newsroomVerify.signature(head, key);
      if (signed === "bad") problems.push(`${name}'s signature does not match the key`);
      else if (signed !== "ok") notes.push(`${name}'s signature was not checked (${{ unsigned: "unsigned", "no-key": "no key given", unsupported: "this browser has no Ed25519" }[signed]})`);
    }
    if (saved.tree_size > now.tree_size) problems.push(`the log has ${now.tree_size} records, fewer than the ${saved.tree_size} of the kept head: records were removed`);
    else if (saved.tree_size === now.tree_size) {
      if (saved.root_hash !== now.root_hash) problems.push("the log has as many records as the kept head but another root: it was rewritten");
    } else if (saved.tree_size > 0) {
      const response = await fetch(`/api/audit/consistency?from=${saved.tree_size}&to=${now.tree_size}`);
      const proof = await response.json();
      if (!response.ok) problems.push(`no consistency proof: ${proof.error ? proof.error.message : response.status}`);
      else if (!(await newsroomVerify.consistent(saved.tree_size, now.tree_size, newsroomVerify.fromHex(saved.root_hash),
        newsroomVerify.fromHex(now.root_hash), proof.proof.map(newsroomVerify.fromHex)))) {
        problems.push("the log now does not extend the kept head: its first records were changed");
      }
    }
    const lines = [];
    if (problems.length) lines.push(line("Not consistent: " + problems.join("; ") + ".", "bad"));
    else lines.push(line(`Consistent: the log of ${now.tree_size.toLocaleString()} records (${when(now.timestamp)}) begins with exactly the ${saved.tree_size.toLocaleString()} records of the head kept from ${when(saved.timestamp)}. Nothing was removed or rewritten.`, "ok"));
    for (const note of notes) lines.push(line(note + ".", "checking"));
    outcome.replaceChildren(...lines);
  });

  load();
})();
