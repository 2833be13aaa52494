// The reader page, live: opens the story's SSE feed after the position the page was rendered at, and renders
// each message with DOM methods (text only). After a dropped connection the browser reconnects with
// Last-Event-ID and the server sends each item changed meanwhile as it stands now (the story itself as an
// `article-published` message with its whole header, and the whole story if it was republished); positions
// already shown are ignored.
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

  function updateNode(update) {
    const classes = ["update", update.struck && "struck", update.pinned && "pinned"].filter(Boolean).join(" ");
    const label = update.label ? el("strong", { className: "label" }, update.label) : "";
    const node = el("li", { id: "u-" + update.id, className: classes, "data-position": update.position },
      el("p", { className: "meta" }, time(update.at), " ", label),
      el("div", { className: "update-body" }, ...paragraphs(update.body)));
    if (update.revised_at) {
      node.append(el("p", { className: "revision" }, "Revised ", time(update.revised_at),
        update.revision_note ? ": " + update.revision_note : ""));
    }
    if (update.struck) {
      node.append(el("p", { className: "struck-reason" }, "Struck ", time(update.struck_at), ": " + update.struck_reason));
    }
    return node;
  }

  function placeUpdate(update, fresh) {
    const old = byId("u-" + update.id);
    if (old) old.remove();
    const node = updateNode(update);
    if (fresh) node.classList.add("fresh");
    const list = byId(update.pinned ? "pinned" : "updates");
    const next = [...list.children].find((child) => Number(child.dataset.position) < update.position);
    list.insertBefore(node, next || null); // newest first
  }

  function commentNode(comment) {
    return el("li", { id: "c-" + comment.id, className: "comment" },
      el("p", { className: "meta" }, el("b", { className: "author" }, comment.author), " ", time(comment.at)),
      el("div", { className: "comment-body" }, ...paragraphs(comment.body)),
      el("ol", { className: "replies" }));
  }

  function countComments() {
    byId("comment-count").textContent = String(document.querySelectorAll("#comments .comment").length);
  }

  function placeComment(comment) {
    const old = byId("c-" + comment.id);
    const node = commentNode(comment);
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
  const embedNode = (embed) => el("figure", { id: "e-" + embed.id, className: "embed" },
    el("a", { href: embed.url, rel: "noopener" }, embed.caption || embed.url));
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
    byId("embeds").replaceChildren(...article.embeds.map(embedNode));
    byId("related").replaceChildren(...article.related.map(relatedNode));
    byId("comments-closed").textContent = article.comments_open ? "" : "Comments are closed.";
    if (article.updates) { // the whole story: it was republished, and may have changed while withdrawn
      byId("pinned").replaceChildren();
      byId("updates").replaceChildren();
      for (const update of article.updates) placeUpdate(update);
      byId("comments").replaceChildren();
      for (const comment of article.comments) placeComment(comment);
      countComments();
    }
  }

  const handlers = {
    "update-appended": (data) => placeUpdate(data.update, true),
    "update-revised": (data) => placeUpdate(data.update),
    "update-struck": (data) => placeUpdate(data.update),
    "update-pinned": (data) => placeUpdate(data.update),
    "update-unpinned": (data) => placeUpdate(data.update),
    "headline-changed": (data) => { byId("headline").textContent = data.headline; document.title = data.headline; },
    "body-revised": (data) => {
      byId("body").replaceChildren(...paragraphs(data.body));
      if (data.correction_note) byId("corrections").append(correctionNode({ at: data.at, note: data.correction_note }));
    },
    "comment-added": (data) => placeComment(data.comment),
    "comment-restored": (data) => placeComment(data.comment),
    "comment-hidden": (data) => hideComment(data.comment_id),
    "tag-added": (data) => setTags(data.tags),
    "tag-removed": (data) => setTags(data.tags),
    "embed-attached": (data) => byId("embeds").append(embedNode(data.embed)),
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
      if (withdrawn) window.location.reload(); // republished: the page is rebuilt whole
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
