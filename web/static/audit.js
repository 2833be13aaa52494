// The auditor view of one story: every event in words, by whom and when (filterable, newest first); the
// story as it stood at any version; what changed between two versions, the body's words taken out and put in
// highlighted; and the story's records exported as NDJSON with the bytes each Merkle leaf hashes.
import { api, articlePath, problem, token } from "./lib/api.js";
import { byId, el, localTime, say, serverHtml } from "./lib/dom.js";
import { staffSignIn } from "./lib/signin.js";

const slug = document.body.dataset.slug;
const path = articlePath(slug);
let events = [];
let timer = null;

// To the second, in UTC as recorded, and in the auditor's own zone.
const fullTime = (iso) => `${iso.replace("T", " ").replace(/\.\d+/, "").replace(/\+00:00$/, " UTC")} (${localTime(iso)})`;
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;

async function history() {
  const found = [];
  let after = 0;
  for (;;) {
    const result = await api("GET", `${path}/history?after_version=${after}&limit=1000`);
    if (!result.ok) { say(problem(result), "error"); return found; }
    found.push(...result.data.events);
    if (result.data.next_after_version === null) return found;
    after = result.data.next_after_version;
  }
}

// Words taken out and put in: [op, text] segments as <del> and <ins>.
const segments = (parts) => el("span", { className: "segments" },
  ...(parts || []).map(([op, text]) => (op === "=" ? text : el(op === "+" ? "ins" : "del", {}, text))));

function detail(event) {
  const data = event.data || {};
  if (data.erased) return "(its words were erased)";
  return data.reason || data.headline || data.label || data.tag || data.correction_note || data.title || (data.body ? data.body.slice(0, 140) : "");
}

function showHistory() {
  const actor = byId("filter-actor").value;
  const kind = byId("filter-kind").value;
  const chosen = events.filter((e) => (!actor || e.actor === actor) && (!kind || e.summary === kind));
  byId("history-count").textContent = `${chosen.length} of ${plural(events.length, "event")}, newest first`;
  byId("history").replaceChildren(...[...chosen].reverse().map((e) => el("li", { className: "event" },
    el("p", {}, el("b", {}, e.summary), detail(e) ? ` — ${detail(e)}` : ""),
    el("p", { className: "meta" }, `version ${e.version} · position ${e.position} · ${fullTime(e.at)} · ${e.actor || "—"}`),
    el("details", {}, el("summary", {}, "The record"), el("pre", {}, JSON.stringify(e.data, null, 2))))));
}

function fillFilters() {
  const options = (select, values) => select.append(...[...new Set(values)].sort().map((value) => el("option", { value }, value)));
  options(byId("filter-actor"), events.map((e) => e.actor || ""));
  options(byId("filter-kind"), events.map((e) => e.summary));
}

function updateNode(u) {
  if (u.erased) return el("li", { className: "update erased" }, el("p", { className: "tombstone" }, `Erased ${u.erased_at ? localTime(u.erased_at) : ""}: ${u.erased_reason || ""}`));
  return el("li", { className: "update" + (u.struck ? " struck" : "") + (u.pinned ? " pinned" : "") },
    el("p", { className: "meta" }, localTime(u.at), " ", u.label || "", u.key ? " · key event" : ""),
    u.headline ? el("h3", { className: "update-headline" }, u.headline) : null,
    el("div", { className: "update-body" }, u.body_html ? serverHtml(u.body_html) : u.body),
    u.struck ? el("p", { className: "struck-reason" }, "Struck: " + u.struck_reason) : null);
}

async function showAsOf(version) {
  byId("asof-version").textContent = String(version);
  const result = await api("GET", `${path}?as_of=${version}`);
  if (!result.ok) { say(problem(result), "error"); return; }
  const page = result.data;
  byId("asof-page").replaceChildren(...[
    el("p", { className: "meta" }, `${page.status} · as of ${fullTime(page.as_of.at)}`),
    el("h3", {}, page.headline),
    page.body_html ? el("div", { className: "body" }, serverHtml(page.body_html)) : el("p", {}, page.body),
    ...page.corrections.map((c) => el("p", { className: "correction" }, `Correction: ${c.note}`)),
    el("ol", { className: "updates" }, ...[...page.updates].reverse().map(updateNode)),
    el("p", { className: "meta" }, `${page.comments.filter((c) => !c.erased).length} visible comments; tags: ${page.tags.join(", ") || "none"}`),
  ].filter(Boolean));
}

function block(title, entries, line) {
  if (!entries || !entries.length) return null;
  return el("div", {}, el("h3", {}, title), el("ul", { className: "diff-list" }, ...entries.map((entry) => el("li", {}, line(entry)))));
}

async function showDiff(from, to) {
  const result = await api("GET", `${path}/diff?from=${from}&to=${to}`);
  if (!result.ok) { byId("diff").replaceChildren(); say(problem(result), "error"); return; }
  say("");
  const d = result.data;
  const by = (entry) => ` — ${entry.by}, ${fullTime(entry.at)}`;
  byId("diff").replaceChildren(...[
    el("p", { className: "meta" }, `${plural(d.events, "event")} from version ${d.from.version} to ${d.to.version}`),
    d.headline ? el("div", {}, el("h3", {}, "Headline"), el("p", {}, segments(d.headline.segments))) : null,
    d.body ? el("div", {}, el("h3", {}, "Body"), el("div", { className: "body-diff" }, segments(d.body.segments)),
      ...(d.body.corrections || []).map((c) => el("p", { className: "correction" }, `Correction: ${c.note}${by(c)}`))) : null,
    d.tags.added.length || d.tags.removed.length ? el("p", {}, `Tags: ${d.tags.added.map((t) => "+" + t).concat(d.tags.removed.map((t) => "−" + t)).join(", ")}`) : null,
    block("Updates revised", d.updates.revised, (u) => el("span", {}, segments(u.segments), by(u))),
    block("Every change, in order", d.changes, (c) => `${c.summary}${c.about ? ": " + c.about : ""}${by(c)} (version ${c.version})`),
  ].filter(Boolean));
}

function exportRecords() {
  // The token goes in a header, so the file is fetched here and handed to the browser to save.
  fetch(`/api/audit/export?slug=${encodeURIComponent(slug)}`, { headers: { Authorization: "Bearer " + token() } })
    .then(async (response) => {
      if (!response.ok) { say(`Export failed: the server answered ${response.status}.`, "error"); return; }
      const link = el("a", { href: URL.createObjectURL(await response.blob()), download: `${slug}.ndjson` });
      document.body.append(link);
      link.click();
      link.remove();
      say("Exported.", "ok");
    });
}

async function ready() {
  events = await history();
  if (!events.length) return;
  const latest = events[events.length - 1].version;
  fillFilters();
  showHistory();
  const slider = byId("asof");
  slider.max = String(latest);
  slider.value = String(latest);
  slider.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => showAsOf(slider.value), 120); });
  byId("diff-from").value = "1";
  byId("diff-to").value = String(latest);
  byId("diff-form").addEventListener("submit", (event) => { event.preventDefault(); showDiff(byId("diff-from").value, byId("diff-to").value); });
  byId("filter-actor").addEventListener("change", showHistory);
  byId("filter-kind").addEventListener("change", showHistory);
  byId("export").addEventListener("click", exportRecords);
  await showAsOf(latest);
}
staffSignIn({ panel: "audit", permission: "read_audit", refusal: "This token is not an auditor's.", ready });
