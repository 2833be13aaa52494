// The moderation queue: every story's comments in one place, by where they stand (reported, awaiting
// approval, not yet seen, approved, hidden, erased), newest first, a hundred at a time. A moderator acts on
// one comment or on every selected one at once (all or nothing), bans a commenter by name or by the client
// they post from, and holds a story's new comments for approval. Everything goes through the JSON API.
import { api, articlePath, problem } from "../lib/api.js";
import { byId, el, localTime, say, serverHtml } from "../lib/dom.js";
import { staffSignIn } from "../lib/signin.js";

const PAGE = 100;
const STATE_WORDS = {
  held: "Awaiting approval", flagged: "Reported", new: "Not yet seen", approved: "Approved", hidden: "Hidden", erased: "Erased",
};
const FLAG_WORDS = { spam: "spam", abuse: "abusive", "off-topic": "off topic", other: "something else" };

let view = "flagged"; // a state of the queue, or "bans"
let before = null; // the position to ask for the next (older) page
let shown = []; // the comments on screen
const selected = new Set(); // ids of the comments selected
let refresher = null;

const filters = () => ({ slug: byId("filter-slug").value.trim(), client: byId("filter-client").value.trim() });

// -- signing in -------------------------------------------------------------------------------------------

async function ready() {
  const wanted = new URLSearchParams(window.location.search);
  if (wanted.get("slug")) byId("filter-slug").value = wanted.get("slug");
  await show(wanted.get("state") || "flagged");
  clearInterval(refresher);
  refresher = setInterval(refreshCounts, 15000);
}

// -- the queue --------------------------------------------------------------------------------------------

async function show(next) {
  view = next;
  say(""); // what the last action did is no longer what the moderator looks at
  byId("filters").hidden = view === "bans";
  for (const tab of document.querySelectorAll(".tab")) tab.setAttribute("aria-pressed", String(tab.dataset.state === view));
  byId("comments-view").hidden = view === "bans";
  byId("bans-view").hidden = view !== "bans";
  if (view === "bans") { await loadBans(); return; }
  before = null;
  shown = [];
  selected.clear();
  byId("queue").replaceChildren();
  await loadMore();
}

function queuePath(state, limit, after) {
  const { slug, client } = filters();
  const query = new URLSearchParams({ limit: String(limit) });
  if (state) query.set("state", state);
  if (slug) query.set("slug", slug);
  if (client) query.set("client", client);
  if (before !== null && limit === PAGE) query.set("before", String(before));
  if (after) query.set("after", String(after));
  return "/api/moderation?" + query;
}

async function loadMore(after) {
  const result = await api("GET", queuePath(view, PAGE, after));
  if (!result.ok) { say(problem(result), "error"); return; }
  const { comments, counts, next_before: next, story } = result.data;
  showCounts(counts);
  showStory(story);
  shown.push(...comments);
  for (const comment of comments) byId("queue").append(card(comment));
  before = next;
  byId("older").hidden = next === null;
  byId("empty").hidden = shown.length > 0;
  byId("empty").textContent = filters().slug ? `Nothing ${STATE_WORDS[view].toLowerCase()} on this story.` : `Nothing ${STATE_WORDS[view].toLowerCase()}.`;
  updateSelection();
}

function showCounts(counts) {
  for (const node of document.querySelectorAll("[data-count]")) {
    const n = counts[node.dataset.count] || 0;
    node.textContent = n ? `(${n.toLocaleString()})` : "";
  }
}

async function refreshCounts() {
  const result = await api("GET", queuePath(null, 1));
  if (result.ok) showCounts(result.data.counts);
}

function showStory(story) {
  byId("story-settings").hidden = !story;
  if (!story) return;
  byId("story-headline").textContent = story.headline;
  byId("premoderate").checked = Boolean(story.premoderated);
}

function card(comment) {
  const who = comment.author || (comment.erased ? "(erased)" : "(no name)");
  const box = el("input", { type: "checkbox", className: "pick", "aria-label": `Select the comment by ${who}` });
  box.checked = selected.has(comment.id);
  box.addEventListener("change", () => { if (box.checked) selected.add(comment.id); else selected.delete(comment.id); updateSelection(); });
  const flags = Object.entries(comment.flag_reasons || {}).map(([reason, n]) => `${FLAG_WORDS[reason] || reason} ×${n}`).join(", ");
  const acts = (comment.acts || []).map((act) =>
    el("li", {}, `${act.act} by ${act.by} ${localTime(act.at)}${act.reason ? `: ${act.reason}` : ""}`));
  return el("li", { className: `queue-item state-${comment.state}`, id: `m-${comment.id}`, "data-id": comment.id },
    el("div", { className: "queue-head" }, comment.erased ? null : box,
      el("b", { className: "author" }, who), " ",
      comment.client ? el("button", { type: "button", className: "link client", title: "Show this client's comments",
        onclick: () => { byId("filter-client").value = comment.client; show(view); } }, `client ${comment.client}`) : null,
      " · ", el("span", { className: "meta" }, localTime(comment.at)), " · ",
      el("a", { href: `/articles/${encodeURIComponent(comment.slug)}#c-${comment.id}` }, comment.headline || comment.slug),
      " ", el("span", { className: `badge ${comment.state}` }, STATE_WORDS[comment.state])),
    comment.reply_to ? el("p", { className: "help" }, "A reply") : null,
    comment.erased
      ? el("p", { className: "note" }, `Erased ${localTime(comment.erased.at)} by ${comment.erased.by || "an admin"}: ${comment.erased.reason || ""}`)
      : el("div", { className: "comment-body" }, serverHtml(comment.body_html)),
    flags ? el("p", { className: "flags" }, `Reported ${comment.flags_total} time${comment.flags_total === 1 ? "" : "s"}: ${flags}`) : null,
    comment.hidden ? el("p", { className: "hidden-by" }, `Hidden by ${comment.hidden_by} ${localTime(comment.hidden_at)}: ${comment.hidden_reason}`) : null,
    acts.length ? el("details", { className: "acts" }, el("summary", {}, `Record (${acts.length})`), el("ol", {}, acts)) : null,
    comment.erased ? null : actions(comment));
}

function actions(comment) {
  const row = el("div", { className: "actions" });
  if (!comment.hidden) row.append(el("button", { type: "button", onclick: () => act("approve", [comment]) }, comment.held ? "Approve" : "Looks fine"));
  row.append(reasoned(comment.hidden ? "Restore" : "Hide", comment.hidden ? "secondary" : "danger",
    (reason) => act(comment.hidden ? "restore" : "hide", [comment], reason)));
  row.append(reasoned("Ban the writer", "secondary", (reason) => ban({ comment: { slug: comment.slug, id: comment.id }, reason }),
    "they are told it; bans their name and the address they posted from"));
  return row;
}

// A button that asks for the reason in place before it acts.
function reasoned(label, kind, then, note = "the reason is kept in the record") {
  const input = el("input", {
    list: "reasons", required: true, maxlength: "500", "aria-label": `Reason to ${label.toLowerCase()}`,
    placeholder: `Reason (${note})`,
  });
  const form = el("form", { className: "reason-form" }, input, el("button", { className: kind }, label));
  form.addEventListener("submit", (event) => { event.preventDefault(); then(input.value.trim()); });
  const details = el("details", { className: "popover" }, el("summary", {}, label), form);
  details.addEventListener("toggle", () => { if (details.open) input.focus(); });
  return details;
}

async function act(action, comments, reason) {
  const result = await api("POST", "/api/moderation/bulk", {
    action, comments: comments.map((c) => ({ slug: c.slug, id: c.id })), ...(reason ? { reason } : {}),
  });
  if (!result.ok) { say(problem(result), "error"); return false; }
  const n = result.data.changed;
  say(`${{ approve: "Approved", hide: "Hid", restore: "Restored" }[action]} ${n} comment${n === 1 ? "" : "s"}.`, "ok");
  await reloadAfter(result.data.position);
  return true;
}

async function ban(body) {
  const result = await api("POST", "/api/moderation/bans", body);
  if (!result.ok) { say(problem(result), "error"); return false; }
  const what = body.comment ? "their name and the address they posted from" : body.name ? "that name" : "that client";
  say(`Banned ${what}: they are told the reason if they try to comment.`, "ok");
  if (view === "bans") await loadBans(result.data.position);
  return true;
}

async function reloadAfter(position) {
  before = null;
  shown = [];
  selected.clear();
  byId("queue").replaceChildren();
  await loadMore(position);
}

function updateSelection() {
  const n = selected.size;
  byId("selected-count").textContent = n ? `${n} selected` : "None selected";
  byId("select-all").checked = n > 0 && shown.every((c) => c.erased || selected.has(c.id));
}

// -- bans -------------------------------------------------------------------------------------------------

async function loadBans(after) {
  const result = await api("GET", "/api/moderation/bans" + (after ? `?after=${after}` : ""));
  if (!result.ok) { say(problem(result), "error"); return; }
  const list = byId("bans");
  list.replaceChildren(...result.data.bans.map((entry) => el("li", { className: "queue-item" },
    el("p", {}, entry.name ? el("b", {}, entry.name) : null, entry.name && entry.client ? " · " : "",
      entry.client ? `client ${entry.client}` : "", " · ", el("span", { className: "meta" }, `by ${entry.by} ${localTime(entry.at)}`)),
    el("p", {}, `Reason: ${entry.reason}`),
    reasoned("Lift the ban", "secondary", async (reason) => {
      const lifted = await api("POST", `/api/moderation/bans/${entry.id}/lift`, { reason });
      if (!lifted.ok) { say(problem(lifted), "error"); return; }
      say("Ban lifted.", "ok");
      await loadBans(lifted.data.position);
    }))));
  if (!result.data.bans.length) list.append(el("li", { className: "note" }, "No bans in force."));
}

// -- wiring -----------------------------------------------------------------------------------------------

for (const tab of document.querySelectorAll(".tab")) tab.addEventListener("click", () => show(tab.dataset.state));
byId("filters").addEventListener("submit", (event) => { event.preventDefault(); show(view === "bans" ? "flagged" : view); });
byId("clear-filters").addEventListener("click", () => { byId("filter-slug").value = ""; byId("filter-client").value = ""; show(view); });
byId("older").addEventListener("click", () => loadMore());
byId("select-all").addEventListener("change", () => {
  for (const comment of shown) if (!comment.erased) { if (byId("select-all").checked) selected.add(comment.id); else selected.delete(comment.id); }
  for (const box of document.querySelectorAll(".queue .pick")) box.checked = byId("select-all").checked;
  updateSelection();
});
for (const button of document.querySelectorAll("[data-bulk]")) {
  button.addEventListener("click", () => {
    const chosen = shown.filter((c) => selected.has(c.id));
    if (!chosen.length) { say("Select the comments first.", "error"); return; }
    const reason = byId("bulk-reason").value.trim();
    if (button.dataset.bulk !== "approve" && !reason) { say("Give a reason to hide or restore them.", "error"); byId("bulk-reason").focus(); return; }
    act(button.dataset.bulk, chosen, reason).then((done) => { if (done) byId("bulk-reason").value = ""; });
  });
}
byId("premoderate").addEventListener("change", async () => {
  const slug = filters().slug;
  const result = await api("PUT", articlePath(slug) + "/comments/moderation", { premoderated: byId("premoderate").checked });
  if (!result.ok) { say(problem(result), "error"); return; }
  say(byId("premoderate").checked ? "New comments on this story now wait for approval." : "New comments on this story now appear at once.", "ok");
});
byId("ban-form").addEventListener("submit", (event) => {
  event.preventDefault();
  const name = byId("ban-name").value.trim();
  const client = byId("ban-client").value.trim();
  ban({ reason: byId("ban-reason").value.trim(), ...(name ? { name } : {}), ...(client ? { client } : {}) })
    .then((done) => { if (done) byId("ban-form").reset(); }); // a second press must not ban twice
});
staffSignIn({ panel: "queue-panel", permission: "moderate_comments", refusal: "This token is not a moderator's.", ready });
