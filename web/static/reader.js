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

  const paragraphs = (text) => text.split("\n\n").filter((part) => part.trim()).map((part) => el("p", {}, part));
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
    byId("body").replaceChildren(...paragraphs(article.body));
    byId("corrections").replaceChildren(...article.corrections.map(correctionNode));
    setTags(article.tags);
    byId("related").replaceChildren(...article.related.map(relatedNode));
    byId("comments-closed").textContent = article.comments_open ? "" : "Comments are closed.";
  }

  const handlers = {
    "update-appended": (data) => placeUpdate(data.update, data.html, true),
    "update-revised": (data) => placeUpdate(data.update, data.html),
    "update-struck": (data) => placeUpdate(data.update, data.html),
    "update-pinned": (data) => placeUpdate(data.update, data.html),
    "update-unpinned": (data) => placeUpdate(data.update, data.html),
    "headline-changed": (data) => { byId("headline").textContent = data.headline; document.title = data.headline; },
    "body-revised": (data) => {
      byId("body").replaceChildren(...paragraphs(data.body));
      if (data.correction_note) byId("corrections").append(correctionNode({ at: data.at, note: data.correction_note }));
    },
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
