// The auditor view: a story's history, the story as of any version (slider), and diffs between versions.
"use strict";
(() => {
  const { el, api, say, signIn, localTime } = newsroom;
  const byId = (id) => document.getElementById(id);
  const slug = document.body.dataset.slug;
  const path = "/api/articles/" + encodeURIComponent(slug);
  let timer = null;

  async function history() {
    const events = [];
    let after = 0;
    for (;;) {
      const result = await api("GET", `${path}/history?after_version=${after}&limit=1000`);
      if (!result.ok) { say(result.data ? result.data.error.message : "failed", "error"); return events; }
      events.push(...result.data.events);
      if (result.data.next_after_version === null) return events;
      after = result.data.next_after_version;
    }
  }

  async function showAsOf(version) {
    byId("asof-version").textContent = String(version);
    const result = await api("GET", `${path}?as_of=${version}`);
    if (!result.ok) { say(result.data.error.message, "error"); return; }
    const page = result.data;
    byId("asof-page").replaceChildren(
      el("p", { className: "meta" }, `${page.status} · as of ${localTime(page.as_of.at)}`),
      el("h3", {}, page.headline),
      el("p", {}, page.body),
      ...page.corrections.map((c) => el("p", { className: "correction" }, `Correction: ${c.note}`)),
      el("ol", { className: "updates" }, ...[...page.updates].reverse().map((u) =>
        el("li", { className: "update" + (u.struck ? " struck" : "") + (u.pinned ? " pinned" : "") },
          el("p", { className: "meta" }, localTime(u.at), " ", u.label || ""), el("div", { className: "update-body" }, u.body),
          u.struck ? el("p", { className: "struck-reason" }, "Struck: " + u.struck_reason) : null))),
      el("p", { className: "meta" }, `${page.comments.length} visible comments`));
  }

  function list(title, entries, line) {
    if (!entries || !entries.length) return null;
    return el("div", {}, el("h4", {}, title), el("ul", { className: "diff-list" }, ...entries.map((entry) => el("li", {}, line(entry)))));
  }

  async function showDiff(from, to) {
    const result = await api("GET", `${path}/diff?from=${from}&to=${to}`);
    if (!result.ok) { say(result.data.error.message, "error"); return; }
    const d = result.data;
    const by = (entry) => ` — ${entry.by}, ${localTime(entry.at)}`;
    byId("diff").replaceChildren(
      el("p", { className: "meta" }, `${d.events} events from version ${d.from.version} to ${d.to.version}`),
      d.headline ? el("p", {}, `Headline: “${d.headline.before}” → “${d.headline.after}”`, d.headline.changes.map(by).join("")) : null,
      d.body ? el("p", {}, "Body revised", d.body.changes.map(by).join("")) : null,
      list("Updates added", d.updates.added, (u) => `${u.body}${by(u)}`),
      list("Updates revised", d.updates.revised, (u) => `${u.before} → ${u.after}${by(u)}`),
      list("Updates struck", d.updates.struck, (u) => `${u.reason}${by(u)}`),
      list("Comments added", d.comments.added, (c) => `${c.author}: ${c.body}${by(c)}`),
      list("Comments hidden", d.comments.hidden, (c) => `${c.reason}${by(c)}`),
      list("Comments restored", d.comments.restored, (c) => `${c.reason}${by(c)}`));
  }

  async function ready() {
    const events = await history();
    if (!events.length) return;
    const latest = events[events.length - 1].version;
    byId("history").replaceChildren(...events.map((e) => el("li", {},
      `v${e.version} · #${e.position} · ${localTime(e.at)} · ${e.actor || "-"} · ${e.type}`)));
    const slider = byId("asof");
    slider.max = String(latest);
    slider.value = String(latest);
    slider.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => showAsOf(slider.value), 120); });
    byId("diff-from").value = "1";
    byId("diff-to").value = String(latest);
    byId("diff-form").addEventListener("submit", (event) => {
      event.preventDefault();
      showDiff(byId("diff-from").value, byId("diff-to").value);
    });
    await showAsOf(latest);
  }
  signIn("audit", ready);
})();
