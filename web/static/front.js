// The front page, live: any change on the site refreshes the list (at most a few times a second).
"use strict";
(() => {
  const { el, localTime } = newsroom;
  let pending = null;
  async function refresh() {
    pending = null;
    const response = await fetch("/api/articles?limit=30");
    if (!response.ok) return;
    const { articles } = await response.json();
    document.getElementById("stories").replaceChildren(...articles.map((story) => {
      const latest = story.latest_update;
      return el("li", { className: "story-card", "data-slug": story.slug },
        el("a", { href: "/articles/" + encodeURIComponent(story.slug) }, el("h2", {}, story.headline)),
        el("p", { className: "meta" }, `${story.byline || ""} · updated ${localTime(story.last_activity_at)} · ` +
          `${story.update_count} updates · ${story.comment_count} comments`),
        latest ? el("p", { className: "excerpt" }, `${latest.label || ""} ${latest.excerpt}`) : null);
    }));
  }
  const source = new EventSource("/api/live");
  const kinds = ["article-published", "article-unpublished", "update-appended", "comment-added", "headline-changed"];
  for (const kind of kinds) source.addEventListener(kind, () => { pending = pending || setTimeout(refresh, 300); });
  window.newsroomFront = { refresh };
})();
