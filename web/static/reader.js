// The story page, live. It opens the story's SSE feed after the position the page was rendered at, so
// nothing between rendering and subscribing is missed, and places each message as the server rendered it:
// updates, comments and embeds arrive with their HTML (the template the page itself was rendered with), and
// the parts that depend on several items (the key events, the byline, the comment box) are taken from the
// page as the server renders it now. So what a reader ends up with is what a reload shows.
// After a dropped connection the browser reconnects with Last-Event-ID and the server sends each item changed
// meanwhile as it stands now; positions already shown are ignored. A reader may pause the live updates:
// they are held, and shown at a click. New updates are announced to screen readers, politely.
"use strict";
(() => {
  const { el, stampTimes, listenLive } = newsroom;
  const slug = document.body.dataset.slug;
  let last = Number(document.body.dataset.position) || 0;
  const state = document.getElementById("live-state");
  const byId = (id) => document.getElementById(id);
  let withdrawn = false;
  let paused = false;
  const held = [];

  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const node = template.content.firstElementChild;
    stampTimes(node);
    return node;
  }

  // Keeps a list in position order, newest first (updates) or oldest first (comments), as the server does.
  function placeInOrder(list, node, newestFirst) {
    const position = Number(node.dataset.position);
    const next = [...list.children].find((child) => (newestFirst ? Number(child.dataset.position) < position : Number(child.dataset.position) > position));
    list.insertBefore(node, next || null);
  }

  function placeUpdate(update, html, fresh) {
    const old = byId("u-" + update.id);
    const list = byId(update.pinned ? "pinned" : "updates");
    // An update older than this page's oldest belongs to an older page (?before=), unless it was here.
    const oldest = [...byId("updates").children].reduce((low, child) => Math.min(low, Number(child.dataset.position)), Infinity);
    if (!old && !update.pinned && byId("older") && update.position < oldest) return;
    if (old) old.remove();
    const node = fragment(html);
    if (fresh) node.classList.add("fresh");
    placeInOrder(list, node, true);
  }

  function countComments() {
    byId("comment-count").textContent = String(document.querySelectorAll("#comments .comment:not(.erased)").length);
  }

  function placeComment(comment, html) {
    const old = byId("c-" + comment.id);
    const node = fragment(html);
    if (old) {
      node.querySelector(".replies").append(...old.querySelector(".replies").children);
      old.replaceWith(node);
    } else {
      const parent = comment.reply_to && byId("c-" + comment.reply_to);
      placeInOrder(parent ? parent.querySelector(".replies") : byId("comments"), node, false);
    }
    countComments();
  }

  function hideComment(id) {
    const node = byId("c-" + id);
    if (!node) return;
    for (const reply of [...node.querySelector(".replies").children]) placeInOrder(byId("comments"), reply, false);
    node.remove();
    countComments();
  }

  // Parts of the page whose rendering depends on more than one message: taken from the page as the server
  // renders it now.
  let refreshing = null;
  const toRefresh = new Set();
  function refresh(...ids) {
    for (const id of ids) toRefresh.add(id);
    refreshing = refreshing || setTimeout(async () => {
      refreshing = null;
      const ids = [...toRefresh];
      toRefresh.clear();
      const response = await fetch(window.location.pathname + window.location.search, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ids) {
        const part = fresh.getElementById(id);
        if (!part || !byId(id)) continue;
        stampTimes(part);
        byId(id).replaceWith(document.importNode(part, true));
      }
      wireComments();
    }, 150);
  }

  function updateChanged(data, fresh) {
    const was = byId("u-" + data.update.id);
    const wasKey = Boolean(was && was.dataset.key);
    placeUpdate(data.update, data.html, fresh);
    if (wasKey || data.update.key) refresh("key-events");
  }

  const setTags = (tags) => byId("tags").replaceChildren(...tags.map((tag) => el("li", {}, el("a", { href: "/tags/" + encodeURIComponent(tag) }, tag))));
  const relatedNode = (link) => el("li", {}, el("a", { href: link.url }, link.title));

  function showArticle(article) {
    byId("status-banner").hidden = true;
    byId("headline").textContent = article.headline;
    document.title = document.title.replace(/^.*? · /, article.headline + " · ");
    byId("body").innerHTML = article.body_html; // rendered and sanitised by the server (newsroom/richtext.py)
    setTags(article.tags);
    byId("related").replaceChildren(...article.related.map(relatedNode));
    byId("comments-closed").textContent = article.comments_open ? "" : "Comments are closed.";
    refresh("byline", "embeds", "corrections", "comment-box", "coverage-ended", "key-events");
  }

  function announce(text) {
    const announcer = byId("announcer");
    announcer.textContent = "";
    setTimeout(() => { announcer.textContent = text; }, 50);
  }

  // What the page does for each action a live kind names (projections/live_kinds.py).
  const actions = {
    "new-update": (data) => {
      updateChanged(data, true);
      const words = data.update.headline || data.update.label || data.update.body.slice(0, 120);
      announce("New update: " + words);
    },
    "update": (data) => updateChanged(data),
    "headline": (data) => { byId("headline").textContent = data.headline; document.title = document.title.replace(/^.*? · /, data.headline + " · "); },
    "body": (data) => {
      byId("body").innerHTML = data.body_html; // rendered and sanitised by the server (newsroom/richtext.py)
      if (data.correction_note) refresh("corrections"); // as the page renders it, with its "verify"
    },
    "end-coverage": () => { byId("story").classList.add("ended"); refresh("coverage-ended"); document.querySelectorAll(".live-badge").forEach((node) => node.remove()); },
    "byline": () => refresh("byline"),
    "comment": (data) => placeComment(data.comment, data.html),
    "hide-comment": (data) => hideComment(data.comment_id),
    "premoderation": (data) => { const note = byId("premoderated"); if (note) note.hidden = !data.premoderated; },
    "tags": (data) => setTags(data.tags),
    "add-embed": (data) => byId("embeds").append(fragment(data.html)),
    "remove-embed": (data) => { const node = byId("e-" + data.embed_id); if (node) node.remove(); },
    "related": (data) => byId("related").append(relatedNode(data.link)),
    "close-comments": () => { byId("comments-closed").textContent = "Comments are closed."; refresh("comment-box"); },
    "reopen-comments": () => { byId("comments-closed").textContent = ""; refresh("comment-box"); },
    "withdrawn": (data) => { // readers keep nothing of a withdrawn story, as a reload would show
      const banner = byId("status-banner");
      banner.textContent = "This story has been withdrawn: " + data.reason;
      banner.hidden = false;
      byId("story").replaceChildren(banner);
      withdrawn = true;
    },
    "article": (data) => {
      // Republished (it may have changed while withdrawn): the page is loaded again, whole.
      if (withdrawn || data.article.updates) window.location.reload();
      else showArticle(data.article);
    },
  };

  function apply(event, kind) {
    actions[kind.action](JSON.parse(event.data));
  }

  function handle(event, kind) {
    const position = Number(event.lastEventId);
    if (position && position <= last) return; // already on the page
    if (position) last = position;
    if (paused && kind.action !== "withdrawn") {
      held.push([event, kind]);
      const button = byId("show-held");
      button.textContent = `Show ${held.length} new ${held.length === 1 ? "change" : "changes"}`;
      byId("held").hidden = false;
      return;
    }
    apply(event, kind);
  }

  function showHeld() {
    while (held.length) apply(...held.shift());
    byId("held").hidden = true;
  }

  let source = null;
  function connect() {
    source = new EventSource(`/api/articles/${encodeURIComponent(slug)}/live?last_event_id=${last}`);
    listenLive(source, handle);
    source.addEventListener("resync", () => window.location.reload());
    source.addEventListener("overflow", () => { source.close(); setTimeout(connect, 250); });
    source.onopen = () => { state.textContent = paused ? "paused" : "live"; state.classList.add("on"); };
    source.onerror = () => {
      state.textContent = "reconnecting…";
      state.classList.remove("on");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000); // e.g. a 503: try again later
    };
  }

  // -- older updates, loaded in place -------------------------------------------------------------------
  async function loadOlder(event) {
    const link = event.target.closest("#older");
    if (!link) return;
    event.preventDefault();
    const response = await fetch(link.href, { headers: { Accept: "text/html" } });
    if (!response.ok) { window.location.href = link.href; return; }
    const older = new DOMParser().parseFromString(await response.text(), "text/html");
    const list = byId("updates");
    for (const item of older.querySelectorAll("#updates > li")) {
      if (!byId(item.id)) { stampTimes(item); list.append(document.importNode(item, true)); }
    }
    const next = older.getElementById("older-wrap");
    if (next) byId("older-wrap").replaceWith(document.importNode(next, true));
    else byId("older-wrap").remove();
  }

  // -- comments: posting and replying without leaving the page ------------------------------------------
  function wireComments() {
    const form = byId("comment-form");
    if (!form || form.dataset.wired) return;
    form.dataset.wired = "1";
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const error = byId("comment-error");
      error.textContent = "";
      const button = form.querySelector("button");
      button.disabled = true;
      try {
        const response = await fetch(form.action, {
          method: "POST",
          headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
          body: new URLSearchParams(new FormData(form)),
        });
        const data = await response.json().catch(() => null);
        if (!response.ok) {
          const wait = response.headers.get("Retry-After");
          error.textContent = response.status === 429 && wait
            ? `You have posted several comments just now: please wait ${wait} seconds before the next one.`
            : (data && data.error ? data.error.message : "The comment could not be posted; try again.");
          return;
        }
        if (data.html) {
          const comment = fragment(data.html);
          if (!byId(comment.id)) placeComment({ id: comment.id.slice(2), reply_to: byId("reply-to").value }, data.html);
        }
        byId("comment-body").value = "";
        cancelReply();
        if (data.held) { // the story is pre-moderated: a moderator shows it
          error.textContent = "";
          const note = byId("comment-held") || el("p", { id: "comment-held", className: "note ok", role: "status" });
          note.textContent = "Thank you: your comment will appear once a moderator has approved it.";
          byId("comment-error").before(note);
          announce(note.textContent);
          return;
        }
        const posted = byId(data.comment_id ? "c-" + data.comment_id : "comments");
        if (posted) { posted.scrollIntoView({ block: "nearest" }); posted.classList.add("fresh"); }
        announce("Your comment is posted.");
      } finally {
        button.disabled = false;
      }
    });
  }

  function startReply(link) {
    const form = byId("comment-form");
    if (!form) return;
    byId("reply-to").value = link.dataset.reply;
    byId("comment-form-title").textContent = "Reply to " + link.dataset.author;
    byId("replying").hidden = false;
    link.closest(".comment").querySelector(".comment-actions").after(form);
    byId("comment-body").focus();
  }

  function cancelReply() {
    const form = byId("comment-form");
    if (!form) return;
    byId("reply-to").value = "";
    byId("comment-form-title").textContent = "Add a comment";
    byId("replying").hidden = true;
    byId("comment-box").prepend(form);
    byId("comment-body").focus(); // the keyboard stays where the reader was writing, not at the page's top
  }

  document.addEventListener("click", (event) => {
    const reply = event.target.closest("a.reply");
    if (reply && byId("comment-form")) { event.preventDefault(); startReply(reply); return; }
    if (event.target.closest("#cancel-reply")) { event.preventDefault(); cancelReply(); return; }
    if (event.target.closest("#older")) loadOlder(event);
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && byId("reply-to") && byId("reply-to").value) cancelReply();
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target.closest("details.report form");
    if (!form) return;
    event.preventDefault();
    const response = await fetch(form.action, {
      method: "POST",
      headers: { Accept: "application/json", "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams(new FormData(form)),
    });
    const details = form.closest("details");
    const note = el("p", { className: "note", role: "status", tabindex: "-1" },
      response.ok ? "Thank you: the moderators will look at it."
        : response.status === 409 ? "You have reported it already: the moderators will look at it."
          : "That report could not be sent; try again in a minute.");
    details.replaceWith(note);
    note.focus(); // the form the focus was in is gone: keep the keyboard at the comment, not the page's top
  });

  byId("pause").addEventListener("click", () => {
    paused = !paused;
    const button = byId("pause");
    button.setAttribute("aria-pressed", String(paused));
    button.textContent = paused ? "Resume live updates" : "Pause live updates";
    state.textContent = paused ? "paused" : "live";
    if (!paused) showHeld();
  });
  byId("show-held").addEventListener("click", showHeld);

  stampTimes(document);
  wireComments();
  connect();
  window.newsroomReader = { lastPosition: () => last, connected: () => source && source.readyState === EventSource.OPEN };
})();
