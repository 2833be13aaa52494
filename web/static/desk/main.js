// The newsroom's desk: a list of every story, and for the open one a control for every change, all through
// the JSON API. It follows the story live (colleagues' updates and readers' comments appear as they land),
// shows who else has it open, and never blocks an editor on a colleague's unrelated change: appends carry
// no If-Match, and an edit is refused only when the same thing (the headline, the body, that update) was
// changed since the editor began it; then theirs and yours are shown side by side to merge and save.
import { api, articlePath, problem } from "../lib/api.js";
import { byId, el, instant, localTime, names, say, serverHtml } from "../lib/dom.js";
import { staffSignIn } from "../lib/signin.js";
import { markdownField } from "./markdown.js";

let me = null;
let story = null; // the story as last loaded
let stream = null;
let poll = null;
let reloadTimer = null;
const started = {}; // field -> the version an edit of it began from (its If-Match)
const fields = {};

const may = (permission) => me && me.permissions.includes(permission);

// -- signing in -------------------------------------------------------------------------------------------

async function ready(signedIn) {
  me = signedIn;
  document.body.classList.toggle("can-write", may("write_articles"));
  document.body.classList.toggle("can-moderate", may("moderate_comments"));
  await loadList();
  const wanted = new URLSearchParams(window.location.search).get("slug");
  if (wanted) openStory(wanted);
}

// -- the list of stories ----------------------------------------------------------------------------------

const STATUS_WORDS = { draft: "Draft", scheduled: "Scheduled", embargoed: "Embargoed", published: "Live", withdrawn: "Withdrawn" };

function statusOf(summary) {
  if (summary.status === "published" && summary.coverage_ended_at) return ["ended", "Ended"];
  return [summary.status, STATUS_WORDS[summary.status] || summary.status];
}

async function loadList() {
  const search = byId("list-search").value.trim();
  const status = byId("list-status").value;
  const query = new URLSearchParams({ limit: "100" });
  if (search) query.set("q", search);
  if (status) query.set("status", status);
  const result = may("write_articles")
    ? await api("GET", "/api/desk/stories?" + query)
    : await api("GET", "/api/articles?limit=100");
  if (!result.ok) { say(problem(result), "error"); return; }
  const stories = result.data.stories || result.data.articles;
  byId("stories").replaceChildren(...stories.map((summary) => {
    const [kind, words] = statusOf(summary.status ? summary : { ...summary, status: "published" });
    const when = summary.publish_at ? "for " + localTime(summary.publish_at) : localTime(summary.changed_at || summary.last_activity_at);
    return el("li", { className: story && story.slug === summary.slug ? "current" : "" },
      el("button", { type: "button", className: "story-pick", "data-slug": summary.slug, onclick: () => openStory(summary.slug) },
        el("span", { className: "pick-headline" }, summary.headline),
        el("span", { className: "pick-meta" }, el("span", { className: "badge " + kind }, words), " ", when)));
  }));
  if (!stories.length) byId("stories").replaceChildren(el("li", { className: "note" }, search || status ? "No story matches." : "No stories yet."));
}

// -- the open story ---------------------------------------------------------------------------------------

async function openStory(slug, after) {
  say("");
  const loaded = await load(slug, after);
  if (!loaded) return;
  history.replaceState(null, "", "/desk?slug=" + encodeURIComponent(slug));
  follow();
  here();
  loadList();
}

async function load(slug, after) {
  const result = await api("GET", articlePath(slug) + (after ? "?after=" + after : ""));
  if (!result.ok) { say(problem(result), "error"); return false; }
  const opening = !story || story.slug !== slug;
  story = result.data;
  byId("nothing-open").hidden = true;
  byId("draft-form").hidden = true;
  byId("story").hidden = false;
  render(opening);
  return true;
}

function scheduleReload() {
  clearTimeout(reloadTimer);
  reloadTimer = setTimeout(() => story && load(story.slug), 250);
}

// Colleagues' changes and readers' comments, as they land: a published story's live feed, else a poll.
function follow() {
  if (stream) { stream.close(); stream = null; }
  clearInterval(poll);
  if (story.status === "published") {
    stream = new EventSource(`${articlePath(story.slug)}/live?last_event_id=${story.position}`);
    stream.onmessage = scheduleReload;
    for (const [name, kind] of Object.entries(LIVE_KINDS)) {
      // A withdrawn story has no live feed: poll instead, as for a draft.
      stream.addEventListener(name, kind.action === "withdrawn" ? () => { scheduleReload(); follow(); } : scheduleReload);
    }
  }
  poll = setInterval(scheduleReload, story.status === "published" ? 30000 : 4000);
}
// The live kinds as the server declares them (projections/live_kinds.py).
const LIVE_KINDS = JSON.parse(document.getElementById("live-kinds").textContent);

// Presence: who else has this story open (across every web process).
let presenceTimer = null;
async function here() {
  clearTimeout(presenceTimer);
  if (!story) return;
  const result = await api("POST", articlePath(story.slug) + "/presence");
  if (result.ok) {
    const others = result.data.editors.filter((editor) => editor.name !== me.name);
    byId("presence").textContent = others.length ? "Also here: " + others.map((editor) => editor.display_name).join(", ") : "";
    byId("presence").dataset.editors = others.map((editor) => editor.name).join(",");
  }
  presenceTimer = setTimeout(here, 5000);
}

function render(opening) {
  const s = story;
  byId("story-headline").textContent = s.headline;
  const [kind, words] = statusOf({ ...s, status: s.embargo ? "embargoed" : s.publish_at && s.status !== "published" ? "scheduled" : s.status === "unpublished" ? "withdrawn" : s.status });
  const badge = byId("story-status");
  badge.className = "badge " + kind;
  badge.textContent = words;
  byId("story-when").textContent = s.embargo ? `until ${localTime(s.embargo.until)} · seen by ${s.embargo.staff.join(", ")}`
    : s.publish_at && s.status !== "published" ? "to publish " + localTime(s.publish_at)
    : s.published_at ? "published " + localTime(s.published_at) : "";
  byId("story-version").textContent = String(s.version);
  byId("story-view").href = "/articles/" + encodeURIComponent(s.slug);
  const published = s.status === "published";
  byId("publish").hidden = published;
  byId("unschedule").hidden = !s.publish_at;
  byId("end-coverage").hidden = !published || Boolean(s.coverage_ended_at);
  for (const id of ["schedule-form", "embargo-form"]) byId(id).closest("details").hidden = published;
  byId("unpublish-form").closest("details").hidden = !published;
  if (opening) for (const details of document.querySelectorAll("#story details")) details.open = false;

  // The story's own fields: refilled from what is saved unless an edit of them is under way. An edit kept
  // from before a reload keeps the version it began from, so a colleague's change since is not overwritten.
  if (opening || !fields["edit-body"].dirty) {
    const restored = fields["edit-body"].keepAs(`${s.slug}/body`, s.body);
    const kept = Number(localStorage.getItem(baseKey(s.slug)));
    started.body = restored && kept ? kept : s.version;
    if (!restored) localStorage.removeItem(baseKey(s.slug));
  }
  const headline = byId("edit-headline");
  if (opening || !headline.dataset.dirty) { headline.value = s.headline; started.headline = s.version; }
  if (opening) fields["update-body"].keepAs(`${s.slug}/update`, "");
  const authors = byId("edit-authors");
  if (opening || !authors.dataset.dirty) authors.value = (s.authors || []).join(", ");

  renderUpdates();
  renderTags();
  renderComments();
}

// -- writing ----------------------------------------------------------------------------------------------

// One change: ``ifMatch`` is the version the edit began from (edits only); a conflict on the same thing is
// handed to ``onConflict`` (the merge view); anything else refused is said in words.
async function write(method, path, body, { ifMatch, onConflict, done, then } = {}) {
  const headers = ifMatch ? { "If-Match": String(ifMatch) } : {};
  const result = await api(method, path, body, headers);
  if (!result.ok) {
    const error = result.data && result.data.error;
    if (result.status === 409 && error && error.code === "version_conflict" && onConflict) {
      await load(story.slug);
      onConflict(error.details);
    } else {
      say(problem(result), "error");
    }
    return null;
  }
  if (then) then(result.data); // before the message: what follows it finds the form ready for the next
  if (result.data.slug && (!story || result.data.slug !== story.slug)) await openStory(result.data.slug, result.data.position);
  else await load(story.slug, result.data.position);
  say(done || "Saved.", "ok");
  loadList();
  return result.data;
}

function showMerge(what, theirs, yours, save) {
  const panel = byId("merge");
  byId("merge-what").textContent = `${what} was changed by someone else after you began. Merge the two and save, or keep theirs.`;
  byId("merge-theirs").textContent = theirs;
  byId("merge-yours").textContent = yours;
  byId("merge-result").value = yours;
  panel.hidden = false;
  panel.scrollIntoView({ block: "center" });
  byId("merge-result").focus();
  byId("merge-save").onclick = async () => {
    if (await save(byId("merge-result").value, story.version)) panel.hidden = true;
  };
  byId("merge-cancel").onclick = () => { panel.hidden = true; say("Kept theirs."); };
}

const baseKey = (slug) => `newsroom-draft-base:${slug}/body`;

async function saveBody(text, version) {
  const note = byId("edit-note").value.trim();
  const body = { body: text };
  if (note) body.correction_note = note;
  return write("PATCH", articlePath(story.slug), body, {
    ifMatch: version,
    onConflict: () => showMerge("The body", story.body, text, saveBody),
    done: note ? "Correction published." : "Body saved.",
    then: () => {
      fields["edit-body"].saved(); // not being edited any more: refilled with what was saved
      localStorage.removeItem(baseKey(story.slug));
      byId("edit-note").value = "";
    },
  });
}

async function saveHeadline(text, version) {
  return write("PATCH", articlePath(story.slug), { headline: text }, {
    ifMatch: version,
    onConflict: () => showMerge("The headline", story.headline, text, saveHeadline),
    done: "Headline changed.",
    then: () => { delete byId("edit-headline").dataset.dirty; },
  });
}

// -- updates ----------------------------------------------------------------------------------------------

function renderUpdates() {
  const updates = [...story.updates].reverse();
  // A revision being written stays open while colleagues' changes redraw the list.
  const open = new Map([...document.querySelectorAll("#desk-updates form.revise")].map((form) => [form.dataset.update, form]));
  byId("update-count").textContent = `(${updates.length})`;
  byId("desk-updates").replaceChildren(...updates.map((update) => {
    const item = updateItem(update);
    if (open.has(update.id)) item.append(open.get(update.id));
    return item;
  }));
}

function updateItem(update) {
  const path = `${articlePath(story.slug)}/updates/${update.id}`;
  const badges = [
    update.scheduled && el("span", { className: "badge scheduled" }, update.struck ? "Cancelled" : "Scheduled " + localTime(update.at)),
    update.key && el("span", { className: "badge key" }, "Key event"),
    update.pinned && el("span", { className: "badge pinned" }, "Pinned"),
    update.struck && el("span", { className: "badge struck" }, "Struck"),
  ];
  const item = el("li", { id: "d-" + update.id, className: "desk-update" + (update.struck ? " struck" : "") },
    el("p", { className: "meta" }, localTime(update.at), " ", ...badges, update.label ? " · " + update.label : "",
      update.author_name ? " · by " + update.author_name : ""),
    update.headline ? el("h4", {}, update.headline) : null,
    el("div", { className: "rendered" }, serverHtml(update.body_html)),
    update.struck ? el("p", { className: "struck-reason" }, "Struck: " + update.struck_reason) : null);
  if (!may("write_articles") || update.struck) return item;
  const strikeReason = el("input", { "aria-label": "Why it is struck", placeholder: "why (shown to readers)" });
  const actions = el("div", { className: "row actions" },
    el("button", { type: "button", className: "secondary", onclick: () => reviseUpdate(update, item) }, "Revise"),
    el("button", { type: "button", className: "secondary", onclick: () => write("POST", `${path}/${update.pinned ? "unpin" : "pin"}`, undefined, { done: update.pinned ? "Unpinned." : "Pinned." }) }, update.pinned ? "Unpin" : "Pin"),
    el("button", { type: "button", className: "secondary", onclick: () => write(update.key ? "DELETE" : "POST", `${path}/key-event`, undefined, { done: update.key ? "No longer a key event." : "Marked as a key event." }) }, update.key ? "Not a key event" : "Key event"),
    update.scheduled ? el("button", { type: "button", onclick: () => write("POST", `${path}/release`, undefined, { done: "Released." }) }, "Release now") : null,
    el("span", { className: "strike" }, strikeReason,
      el("button", { type: "button", className: "danger", onclick: () => {
        if (!strikeReason.value.trim()) { say("Say why the update is struck: readers see the reason.", "error"); strikeReason.focus(); return; }
        write("POST", `${path}/strike`, { reason: strikeReason.value.trim() }, { ifMatch: story.version, done: "Struck.",
          onConflict: () => say("That update was changed since you loaded it: look again before striking it.", "error") });
      } }, "Strike")));
  item.append(actions);
  return item;
}

function reviseUpdate(update, item) {
  const version = story.version;
  const container = el("div", { className: "md-field", "data-field": "revise-" + update.id, "data-label": "Revised update" });
  const headline = el("input", { value: update.headline || "", maxlength: "200", "aria-label": "Headline" });
  const note = el("input", { placeholder: "what changed (shown to readers)", maxlength: "1000", "aria-label": "Revision note" });
  const editor = el("form", { className: "stack revise", "data-update": update.id }, el("label", {}, "Headline ", headline), container,
    el("label", {}, "Note ", note),
    el("p", { className: "row" }, el("button", {}, "Save revision"), el("button", { type: "button", className: "secondary", onclick: () => editor.remove() }, "Cancel")));
  const field = markdownField(container);
  field.keepAs(`${story.slug}/update/${update.id}`, update.body);
  const save = async (text, base) => {
    const body = { body: text, headline: headline.value.trim() };
    if (note.value.trim()) body.note = note.value.trim();
    return write("PATCH", `${articlePath(story.slug)}/updates/${update.id}`, body, {
      ifMatch: base,
      done: "Update revised.",
      onConflict: () => {
        const current = story.updates.find((u) => u.id === update.id);
        showMerge("That update", current ? current.body : "", text, save);
      },
      then: () => { field.saved(); editor.remove(); },
    });
  };
  editor.addEventListener("submit", (event) => { event.preventDefault(); save(field.value.trim(), version); });
  item.append(editor);
  field.area.focus();
}

// -- tags, embeds, related links, comments ----------------------------------------------------------------

function renderTags() {
  const s = story;
  const path = articlePath(s.slug);
  const writer = may("write_articles");
  byId("desk-tags").replaceChildren(...s.tags.map((tag) => el("li", {}, tag, writer ? el("button", { type: "button", className: "remove", "aria-label": "Remove tag " + tag, onclick: () => write("DELETE", `${path}/tags/${encodeURIComponent(tag)}`, undefined, { done: "Tag removed." }) }, "×") : null)));
  byId("desk-embeds").replaceChildren(...s.embeds.map((embed) => el("li", {}, el("b", {}, embed.kind), " ", el("a", { href: embed.url, rel: "noopener" }, embed.caption || embed.url),
    writer ? el("button", { type: "button", className: "secondary", onclick: () => write("DELETE", `${path}/embeds/${embed.id}`, undefined, { done: "Embed removed." }) }, "Remove") : null)));
  byId("desk-related").replaceChildren(...s.related.map((link) => el("li", {}, el("a", { href: link.url, rel: "noopener" }, link.title))));
  byId("close-comments").hidden = !s.comments_open;
  byId("reopen-comments").hidden = s.comments_open;
}

async function renderComments() {
  let comments = story.comments.map((comment) => ({ ...comment, hidden: false }));
  if (may("moderate_comments")) {
    const moderation = await api("GET", `/api/moderation?slug=${encodeURIComponent(story.slug)}`);
    if (moderation.ok) comments = moderation.data.comments; // hidden ones too, with who hid them and why
  }
  byId("comment-count").textContent = `(${comments.length})`;
  byId("desk-comments").replaceChildren(...[...comments].reverse().map((comment) => {
    if (comment.erased) {
      const erased = comment.erased === true ? {} : comment.erased;
      return el("li", { className: "desk-comment hidden-comment" },
        el("p", { className: "meta" }, `Erased ${erased.at ? localTime(erased.at) : ""}${erased.reason ? ": " + erased.reason : ""}`));
    }
    const item = el("li", { className: "desk-comment" + (comment.hidden || comment.held ? " hidden-comment" : "") },
      el("p", { className: "meta" }, el("b", {}, comment.author), " · ", localTime(comment.at),
        comment.held ? " · awaiting approval" : "",
        comment.hidden ? ` · hidden by ${comment.hidden_by || "a moderator"}: ${comment.hidden_reason || ""}` : ""),
      el("div", { className: "rendered" }, serverHtml(comment.body_html)));
    if (may("moderate_comments")) {
      const action = comment.hidden ? "restore" : "hide";
      const reason = el("input", { "aria-label": "Reason", placeholder: "reason (on the record)" });
      const row = el("p", { className: "row" }, reason, el("button", { type: "button", className: action === "hide" ? "danger" : "secondary", onclick: () => {
        if (!reason.value.trim()) { say("Give a reason: it goes on the record.", "error"); reason.focus(); return; }
        write("POST", `${articlePath(story.slug)}/comments/${comment.id}/${action}`, { reason: reason.value.trim() }, { done: action === "hide" ? "Comment hidden." : "Comment restored." });
      } }, action === "hide" ? "Hide" : "Restore"));
      if (comment.held) {
        row.prepend(el("button", { type: "button", onclick: () =>
          write("POST", `${articlePath(story.slug)}/comments/${comment.id}/approve`, undefined, { done: "Comment approved: readers see it now." }) }, "Approve"));
      }
      item.append(row);
    }
    return item;
  }));
  byId("queue-link").href = `/moderation?slug=${encodeURIComponent(story.slug)}&state=held`;
}

// -- wiring -----------------------------------------------------------------------------------------------

function wire() {
  for (const container of document.querySelectorAll(".md-field[data-field]")) fields[container.dataset.field] = markdownField(container);
  // The version an edit of the body began from, kept with the text being typed.
  fields["edit-body"].area.addEventListener("input", () => {
    if (story && !localStorage.getItem(baseKey(story.slug))) localStorage.setItem(baseKey(story.slug), String(started.body));
  });
  const submit = (id, handler) => byId(id).addEventListener("submit", (event) => { event.preventDefault(); handler(event); });
  const path = () => articlePath(story.slug);

  byId("list-search").addEventListener("input", () => { clearTimeout(wire.search); wire.search = setTimeout(loadList, 250); });
  byId("list-status").addEventListener("change", loadList);
  submit("list-form", loadList);

  byId("new-story").addEventListener("click", () => {
    byId("story").hidden = true;
    byId("nothing-open").hidden = true;
    byId("draft-form").hidden = false;
    fields["draft-body"].keepAs("new-story/body", "");
    byId("draft-headline").focus();
  });
  byId("draft-headline").addEventListener("input", () => {
    const slug = byId("draft-slug");
    if (!slug.dataset.edited) slug.value = byId("draft-headline").value.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "").slice(0, 80);
  });
  byId("draft-slug").addEventListener("input", () => { byId("draft-slug").dataset.edited = "1"; });
  byId("draft-cancel").addEventListener("click", () => { byId("draft-form").hidden = true; byId("nothing-open").hidden = Boolean(story); if (story) byId("story").hidden = false; });
  submit("draft-form", async () => {
    const body = { slug: byId("draft-slug").value.trim(), headline: byId("draft-headline").value.trim(), body: fields["draft-body"].value, authors: [me.name] };
    const tags = names(byId("draft-tags").value);
    if (tags.length) body.tags = tags;
    const result = await api("POST", "/api/articles", body);
    if (!result.ok) { say(problem(result), "error"); return; }
    fields["draft-body"].saved();
    byId("draft-form").reset();
    delete byId("draft-slug").dataset.edited;
    say(`Drafted “${body.headline}”.`, "ok");
    await openStory(body.slug, result.data.position);
  });

  byId("publish").addEventListener("click", () => write("POST", `${path()}/publish`, undefined, { done: "Published." }).then(() => follow()));
  submit("schedule-form", () => write("POST", `${path()}/publish`, { at: instant(byId("schedule-at").value) }, { done: "Scheduled." }));
  submit("embargo-form", () => write("POST", `${path()}/embargo`, { until: instant(byId("embargo-until").value), staff: names(byId("embargo-staff").value) }, { done: "Embargoed." }));
  byId("unschedule").addEventListener("click", () => write("POST", `${path()}/unschedule`, undefined, { done: "No longer scheduled." }));
  byId("end-coverage").addEventListener("click", () => write("POST", `${path()}/end-coverage`, undefined, { done: "Coverage ended." }));
  submit("unpublish-form", () => write("POST", `${path()}/unpublish`, { reason: byId("unpublish-reason").value.trim() }, { done: "Unpublished." }).then(() => follow()));
  byId("preview").addEventListener("click", async () => {
    const result = await api("POST", `${path()}/preview-link`);
    if (!result.ok) { say(problem(result), "error"); return; }
    window.open(result.data.url, "_blank", "noopener");
    say("The preview opened in a new tab; its link works for a day.", "ok");
  });

  submit("update-form", async () => {
    const body = { body: fields["update-body"].value.trim() };
    const headline = byId("update-headline").value.trim();
    const label = byId("update-label").value.trim();
    const contributors = names(byId("update-contributors").value);
    const at = instant(byId("update-at").value);
    if (headline) body.headline = headline;
    if (label) body.label = label;
    if (byId("update-key").checked) body.key = true;
    if (contributors.length) body.contributors = contributors;
    if (at) body.at = at;
    // No If-Match: appends never conflict with colleagues' changes.
    await write("POST", `${path()}/updates`, body, {
      done: at ? "Update scheduled." : "Update published.",
      then: () => {
        fields["update-body"].saved();
        byId("update-form").reset();
        fields["update-body"].value = "";
        fields["update-body"].area.focus();
      },
    });
  });
  byId("edit-headline").addEventListener("input", () => { byId("edit-headline").dataset.dirty = "1"; });
  submit("headline-form", () => saveHeadline(byId("edit-headline").value.trim(), started.headline));
  submit("body-form", () => saveBody(fields["edit-body"].value, started.body));
  byId("edit-authors").addEventListener("input", () => { byId("edit-authors").dataset.dirty = "1"; });
  submit("authors-form", () => write("PUT", `${path()}/authors`, { authors: names(byId("edit-authors").value) }, { done: "Authors set.", then: () => { delete byId("edit-authors").dataset.dirty; } }));
  submit("tag-form", () => write("POST", `${path()}/tags`, { tag: byId("tag-name").value.trim() }, { done: "Tagged.", then: () => byId("tag-form").reset() }));
  submit("embed-form", async () => {
    const body = { kind: byId("embed-kind").value, url: byId("embed-url").value.trim() };
    if (byId("embed-caption").value.trim()) body.caption = byId("embed-caption").value.trim();
    await write("POST", `${path()}/embeds`, body, { done: "Embed attached.", then: () => byId("embed-form").reset() });
  });
  submit("related-form", async () => {
    await write("POST", `${path()}/related`, { url: byId("related-url").value.trim(), title: byId("related-title").value.trim() }, { done: "Linked.", then: () => byId("related-form").reset() });
  });
  byId("close-comments").addEventListener("click", () => write("POST", `${path()}/comments/close`, undefined, { done: "Comments closed." }));
  byId("reopen-comments").addEventListener("click", () => write("POST", `${path()}/comments/reopen`, undefined, { done: "Comments reopened." }));
  window.addEventListener("beforeunload", () => { if (stream) stream.close(); });
}

wire();
staffSignIn({ panel: "desk", ready });
window.newsroomDesk = { story: () => story, me: () => me };
