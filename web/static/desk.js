// The editor desk: every action is a call to the JSON API with the signed-in token, sent with If-Match so
// that an edit made against an old version is refused (409) and shown, never silently overwritten.
"use strict";
(() => {
  const { el, api, say, signIn } = newsroom;
  const byId = (id) => document.getElementById(id);
  let story = null; // the article as this desk last loaded it: its version is what edits are made against

  const base = () => "/api/articles/" + encodeURIComponent(story.slug);

  function explain(result) {
    if (result.status === 409 && result.data && result.data.error.details && result.data.error.details.current_version) {
      const details = result.data.error.details;
      const changes = (details.changes || []).map((change) => `${change.type} by ${change.actor}`).join("; ");
      say(`Someone else edited this story first: it is now at version ${details.current_version} ` +
        `(you had ${story.version}). Their changes: ${changes || "see the history"}. Reload, then redo your edit.`,
        "conflict");
      return;
    }
    const error = result.data && result.data.error;
    say(error ? `${error.message} (${result.status})` : `Failed (${result.status})`, "error");
  }

  async function write(method, path, body) {
    const result = await api(method, path, body, story ? { "If-Match": String(story.version) } : {});
    if (!result.ok) { explain(result); return null; }
    say(`Saved: version ${result.data.version}.`);
    await load(story.slug, result.data.position);
    return result;
  }

  function render() {
    byId("story-panel").hidden = false;
    byId("desk-headline").textContent = story.headline;
    byId("desk-version").textContent = String(story.version);
    byId("desk-status").textContent = story.status;
    byId("desk-view").href = "/articles/" + encodeURIComponent(story.slug);
    byId("publish").hidden = story.status === "published";
    byId("correct-body").value = story.body;
    byId("desk-updates").replaceChildren(...[...story.updates].reverse().map((update) => {
      const reason = el("input", { placeholder: "reason to strike", "aria-label": "reason" });
      return el("li", { "data-id": update.id },
        update.struck ? el("s", {}, update.body) : update.body, update.pinned ? " (pinned)" : "",
        update.struck ? null : el("button", { type: "button", onclick: () => {
          if (reason.value.trim()) write("POST", `${base()}/updates/${update.id}/strike`, { reason: reason.value.trim() });
          else say("Say why the update is struck.", "error");
        } }, "Strike"),
        update.struck ? null : reason,
        update.struck ? null : el("button", { type: "button", onclick: () =>
          write("POST", `${base()}/updates/${update.id}/${update.pinned ? "unpin" : "pin"}`) }, update.pinned ? "Unpin" : "Pin"));
    }));
    renderComments(story.comments.map((comment) => ({ ...comment, hidden: false })));
  }

  async function renderComments(visible) {
    let comments = visible;
    const moderation = await api("GET", `/api/moderation?slug=${encodeURIComponent(story.slug)}`);
    if (moderation.ok) comments = [...moderation.data.comments].reverse(); // moderators see hidden ones too
    byId("desk-comments").replaceChildren(...comments.map((comment) => {
      const reason = el("input", { placeholder: "reason", "aria-label": "reason" });
      const action = comment.hidden ? "restore" : "hide";
      return el("li", { "data-id": comment.id }, `${comment.author}: `, comment.hidden ? el("s", {}, comment.body) : comment.body,
        reason, el("button", { type: "button", onclick: () => {
          if (reason.value.trim()) write("POST", `${base()}/comments/${comment.id}/${action}`, { reason: reason.value.trim() });
          else say("Give a reason.", "error");
        } }, action === "hide" ? "Hide" : "Restore"));
    }));
  }

  async function load(slug, after) {
    const result = await api("GET", `/api/articles/${encodeURIComponent(slug)}${after ? "?after=" + after : ""}`);
    if (!result.ok) { explain(result); return; }
    story = result.data;
    render();
  }

  function ready() {
    const wanted = new URLSearchParams(window.location.search).get("slug");
    if (wanted) { byId("slug").value = wanted; load(wanted); }
  }

  byId("open-form").addEventListener("submit", (event) => { event.preventDefault(); say(""); load(byId("slug").value.trim()); });
  byId("reload").addEventListener("click", () => { say(""); load(story.slug); });
  byId("publish").addEventListener("click", () => write("POST", `${base()}/publish`));
  byId("update-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { body: byId("update-body").value.trim() };
    if (byId("update-label").value.trim()) body.label = byId("update-label").value.trim();
    if (await write("POST", `${base()}/updates`, body)) { byId("update-body").value = ""; byId("update-label").value = ""; }
  });
  byId("correct-form").addEventListener("submit", (event) => {
    event.preventDefault();
    write("PATCH", base(), { body: byId("correct-body").value, correction_note: byId("correct-note").value.trim() });
  });
  byId("draft-form").addEventListener("submit", async (event) => {
    event.preventDefault();
    const body = { slug: byId("draft-slug").value.trim(), headline: byId("draft-headline").value.trim(), body: byId("draft-body").value };
    if (byId("draft-byline").value.trim()) body.byline = byId("draft-byline").value.trim();
    const result = await api("POST", "/api/articles", body);
    if (!result.ok) { explain(result); return; }
    say(`Drafted ${body.slug}.`);
    byId("slug").value = body.slug;
    await load(body.slug, result.data.position);
  });
  signIn("desk", ready);
})();
