// The reader page, live: opens the story's SSE feed after the position the page was rendered at, and renders
// each message with DOM methods (text only). After a dropped connection the browser reconnects with
// Last-Event-ID and the server sends each item changed meanwhile as it stands now (the story itself as an
// `article-published` message with its whole header; a story republished meanwhile is loaded again);
// positions already shown are ignored. Updates, comments and embeds arrive with their HTML, rendered by the
// template the page was rendered with.
"use strict";
(() => {
  const { el, localTime } = newsroom;
  const slug = document.body.dataset.slug;
  let last = Number(document.body.dataset.position) || 0;
  const state = document.getElementById("live-state");
  let withdrawn = false;
  const byId = (id) => document.getElementById(id);

  const time = (iso) => (iso ? el("time", { datetime: iso }, localTime(iso)) : "");

  // A fragment as the server rendered it (web/templates/fragments): the same HTML a reload shows.
  function fragment(html) {
    const template = document.createElement("template");
    template.innerHTML = html;
    const node = template.content.firstElementChild;
    for (const stamp of node.querySelectorAll("time[datetime]")) stamp.textContent = localTime(stamp.getAttribute("datetime"));
    return node;
  }

  function placeUpdate(update, html, fresh) {
    const old = byId("u-" + update.id);
    if (old) old.remove();
    const node = fragment(html);
    if (fresh) node.classList.add("fresh");
    const list = byId(update.pinned ? "pinned" : "updates");
    const next = [...list.children].find((child) => Number(child.dataset.position) < update.position);
    list.insertBefore(node, next || null); // newest first
  }

  function countComments() {
    byId("comment-count").textContent = String(document.querySelectorAll("#comments .comment").length);
  }

  function placeComment(comment, html) {
    const old = byId("c-" + comment.id);
    const node = fragment(html);
    if (old) {
      node.querySelector(".replies").append(...old.querySelector(".replies").children);
      old.replaceWith(node);
    } else {
      const parent = comment.reply_to && byId("c-" + comment.reply_to);
      (parent ? parent.querySelector(".replies") : byId("comments")).append(node);
    }
    countComments();
  }

  function hideComment(id) {
    const node = byId("c-" + id);
    if (!node) return;
    byId("comments").append(...node.querySelector(".replies").children); // replies stay, at the top level
    node.remove();
    countComments();
  }

  function setTags(tags) { byId("tags").replaceChildren(...tags.map((tag) => el("li", {}, tag))); }
  const relatedNode = (link) => el("li", {}, el("a", { href: link.url }, link.title));
  const correctionNode = (correction) => el("p", { className: "correction" }, el("b", {}, "Correction"), " ",
    time(correction.at), ": " + correction.note);

  function showArticle(article) {
    byId("status-banner").hidden = true;
    byId("headline").textContent = article.headline;
    document.title = article.headline;
    byId("body").innerHTML = article.body_html;
    byId("corrections").replaceChildren(...article.corrections.map(correctionNode));
    setTags(article.tags);
    byId("related").replaceChildren(...article.related.map(relatedNode));
    byId("comments-closed").textContent = article.comments_open ? "" : "Comments are closed.";
  }

  // Parts of the page whose server rendering depends on more than one message (the key events list, the
  // byline with its profiles): taken from the page as the server renders it now.
  let refreshing = null;
  function refresh(ids) {
    refreshing = refreshing || setTimeout(async () => {
      refreshing = null;
      const response = await fetch(window.location.pathname, { headers: { Accept: "text/html" } });
      if (!response.ok) return;
      const fresh = new DOMParser().parseFromString(await response.text(), "text/html");
      for (const id of ids) {
        const part = fresh.getElementById(id);
        if (!part || !byId(id)) continue;
        for (const stamp of part.querySelectorAll("time[datetime]")) stamp.textContent = localTime(stamp.getAttribute("datetime"));
        byId(id).replaceWith(document.importNode(part, true));
      }
    }, 200);
  }

  function updateChanged(data, fresh) {
    const was = byId("u-" + data.update.id);
    const wasKey = Boolean(was && was.dataset.key);
    placeUpdate(data.update, data.html, fresh);
    if (wasKey || data.update.key) refresh(["key-events"]);
  }

  const handlers = {
    "update-appended": (data) => updateChanged(data, true),
    "update-revised": (data) => updateChanged(data),
    "update-struck": (data) => updateChanged(data),
    "update-pinned": (data) => updateChanged(data),
    "update-unpinned": (data) => updateChanged(data),
    "update-key-changed": (data) => updateChanged(data),
    "headline-changed": (data) => { byId("headline").textContent = data.headline; document.title = data.headline; },
    "body-revised": (data) => {
      byId("body").innerHTML = data.body_html; // rendered and sanitised by the server (newsroom/richtext.py)
      if (data.correction_note) byId("corrections").append(correctionNode({ at: data.at, note: data.correction_note }));
    },
    "coverage-ended": () => { byId("story").classList.add("ended"); refresh(["coverage-ended"]); },
    "authors-changed": () => refresh(["byline"]),
    "comment-added": (data) => placeComment(data.comment, data.html),
    "comment-restored": (data) => placeComment(data.comment, data.html),
    "comment-hidden": (data) => hideComment(data.comment_id),
    "tag-added": (data) => setTags(data.tags),
    "tag-removed": (data) => setTags(data.tags),
    "embed-attached": (data) => byId("embeds").append(fragment(data.html)),
    "embed-removed": (data) => { const node = byId("e-" + data.embed_id); if (node) node.remove(); },
    "related-linked": (data) => byId("related").append(relatedNode(data.link)),
    "comments-closed": () => { byId("comments-closed").textContent = "Comments are closed."; },
    "comments-reopened": () => { byId("comments-closed").textContent = ""; },
    "article-unpublished": (data) => { // readers keep nothing of a withdrawn story, as a reload would show
      const banner = byId("status-banner");
      banner.textContent = "This story has been withdrawn: " + data.reason;
      banner.hidden = false;
      byId("story").replaceChildren(banner);
      withdrawn = true;
    },
    "article-published": (data) => {
      // Republished (it may have changed while withdrawn): the page is loaded again, whole.
      if (withdrawn || data.article.updates) window.location.reload();
      else showArticle(data.article);
    },
  };

  function handle(event) {
    const position = Number(event.lastEventId);
    if (position && position <= last) return; // already on the page
    if (position) last = position;
    handlers[event.type](JSON.parse(event.data));
  }

  let source = null;
  function connect() {
    source = new EventSource(`/api/articles/${encodeURIComponent(slug)}/live?last_event_id=${last}`);
    for (const kind of Object.keys(handlers)) source.addEventListener(kind, handle);
    source.addEventListener("resync", () => window.location.reload());
    source.addEventListener("overflow", () => { source.close(); setTimeout(connect, 250); });
    source.onopen = () => { state.textContent = "live"; state.classList.add("on"); };
    source.onerror = () => {
      state.textContent = "reconnecting…";
      state.classList.remove("on");
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000); // e.g. a 503: try again later
    };
  }

  for (const node of document.querySelectorAll("time[datetime]")) node.textContent = localTime(node.getAttribute("datetime"));
  connect();
  window.newsroomReader = { lastPosition: () => last, connected: () => source && source.readyState === EventSource.OPEN };
})();
