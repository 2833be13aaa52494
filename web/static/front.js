// The front page, live: any change on the site loads the page again in the background (at most a few times
// a second) and swaps in its list of stories, rendered by the server's own template.
"use strict";
(() => {
  const { localTime, listenLive } = newsroom;
  let pending = null;
  async function refresh() {
    pending = null;
    const response = await fetch(window.location.href, { headers: { Accept: "text/html" } });
    if (!response.ok) return;
    const fresh = new DOMParser().parseFromString(await response.text(), "text/html").getElementById("stories");
    if (!fresh) return;
    for (const stamp of fresh.querySelectorAll("time[datetime]")) stamp.textContent = localTime(stamp.getAttribute("datetime"));
    document.getElementById("stories").replaceChildren(...fresh.childNodes);
  }
  const source = new EventSource("/api/live");
  listenLive(source, () => { pending = pending || setTimeout(refresh, 300); }, (kind) => kind.front_page);
  for (const stamp of document.querySelectorAll("time[datetime]")) stamp.textContent = localTime(stamp.getAttribute("datetime"));
  window.newsroomFront = { refresh };
})();
