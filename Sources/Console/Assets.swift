/// The console's own style sheet and script, served from /assets/: the pages load nothing from anywhere else, so
/// the console works offline, and the Content-Security-Policy can allow only these.
enum Assets {
    static let css = #"""
    :root { --fg: #1d2330; --muted: #5d6677; --line: #d9dde5; --bg: #f6f7f9; --card: #fff; --accent: #2857c5;
            --bad: #b42318; --warn: #9a5b00; --good: #1b7f3b; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
    * { box-sizing: border-box; }
    body { margin: 0; color: var(--fg); background: var(--bg); font-size: 15px; line-height: 1.45; }
    header.top { display: flex; flex-wrap: wrap; gap: .25rem 1rem; align-items: baseline; padding: .6rem 1rem;
                 background: #17203a; color: #fff; }
    header.top a { color: #dfe6ff; text-decoration: none; }
    header.top a.here { color: #fff; font-weight: 600; text-decoration: underline; }
    header.top .brand { font-weight: 700; margin-right: .5rem; }
    header.top .live { margin-left: auto; font-size: .8rem; color: #aeb9d6; }
    main { padding: 1rem; max-width: 1200px; margin: 0 auto; }
    h1 { font-size: 1.3rem; margin: .2rem 0 .6rem; overflow-wrap: anywhere; }
    h2 { font-size: 1.05rem; margin: 1.2rem 0 .4rem; }
    a { color: var(--accent); }
    code, pre, .mono { font-family: ui-monospace, "DejaVu Sans Mono", monospace; font-size: .85rem; }
    pre { background: #0f1424; color: #e6e9f2; padding: .6rem; overflow-x: auto; border-radius: 4px; white-space: pre-wrap;
          overflow-wrap: anywhere; max-height: 32rem; }
    pre.plain { background: #fff; color: var(--fg); border: 1px solid var(--line); }
    .card { background: var(--card); border: 1px solid var(--line); border-radius: 6px; padding: .6rem .8rem; margin: .5rem 0; }
    .muted { color: var(--muted); }
    .group h2 { display: flex; gap: .5rem; align-items: baseline; }
    .count { color: var(--muted); font-weight: normal; }
    table { border-collapse: collapse; width: 100%; }
    th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid var(--line); vertical-align: top; }
    th { font-size: .8rem; color: var(--muted); font-weight: 600; }
    td.title { overflow-wrap: anywhere; }
    .next { color: var(--muted); font-size: .85rem; }
    .badge { display: inline-block; padding: 0 .4rem; border-radius: 3px; font-size: .8rem; background: #e8ebf2; }
    .badge.bad { background: #fde7e5; color: var(--bad); } .badge.good { background: #e3f4e8; color: var(--good); }
    .badge.warn { background: #fff1db; color: var(--warn); }
    form.filters { display: flex; flex-wrap: wrap; gap: .4rem; align-items: end; margin-bottom: .5rem; }
    form.filters label { display: flex; flex-direction: column; font-size: .8rem; color: var(--muted); }
    input, select, textarea, button { font: inherit; }
    input, select, textarea { padding: .3rem; border: 1px solid var(--line); border-radius: 4px; background: #fff; max-width: 100%; }
    textarea { width: 100%; min-height: 5rem; }
    button { padding: .3rem .8rem; border-radius: 4px; border: 1px solid var(--accent); background: var(--accent); color: #fff; cursor: pointer; }
    button.plain { background: #fff; color: var(--accent); }
    .actions { display: flex; flex-wrap: wrap; gap: .5rem; }
    .actions form { display: inline; }
    .flash { border-left: 4px solid var(--good); } .error { border-left: 4px solid var(--bad); white-space: pre-wrap; }
    .timeline { list-style: none; padding: 0; margin: 0; }
    .timeline li { border-left: 3px solid var(--line); padding: .2rem 0 .6rem .8rem; }
    .timeline li.fail { border-color: var(--bad); } .timeline li.pass { border-color: var(--good); }
    dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .15rem .8rem; margin: 0; }
    dl.fields dt { color: var(--muted); } dl.fields dd { margin: 0; overflow-wrap: anywhere; }
    .artifacts .images { display: flex; flex-wrap: wrap; gap: .5rem; }
    figure.artifact { margin: 0; max-width: 100%; } figure.artifact img { max-width: 100%; max-height: 24rem; border: 1px solid var(--line); }
    figure.artifact figcaption { font-size: .8rem; color: var(--muted); }
    #stale { display: none; } #stale.shown { display: block; }
    @media (max-width: 640px) {
      main { padding: .6rem; }
      table.board thead { display: none; }
      table.board tr { display: block; border-bottom: 1px solid var(--line); padding: .3rem 0; }
      table.board td { display: block; border: 0; padding: .05rem 0; }
      table.board td.optional { display: none; }
      dl.fields { grid-template-columns: 1fr; } dl.fields dd { margin-bottom: .3rem; }
    }
    """#

    /// Live updates: the server sends an event on /events whenever the board's branch moves; the page fetches
    /// itself again and swaps in its new `main`. While a person is typing in a form, it only says that the board
    /// moved, so that nothing typed is lost.
    static let js = #"""
    "use strict";
    (function () {
      const body = document.body;
      function typing() {
        return Array.from(document.querySelectorAll("textarea, input[type=text]")).some(function (field) {
          return field.value.trim() !== "" || field === document.activeElement;
        });
      }
      async function refresh() {
        if (typing()) { document.getElementById("stale").classList.add("shown"); return; }
        const response = await fetch(window.location.href, { headers: { "Accept": "text/html" }, credentials: "same-origin" });
        if (!response.ok) return;
        const next = new DOMParser().parseFromString(await response.text(), "text/html");
        const main = next.querySelector("main");
        if (!main) return;
        document.querySelector("main").replaceWith(document.adoptNode(main));
        body.dataset.tip = next.body.dataset.tip || "";
        document.title = next.title;
      }
      if (!window.EventSource) return;
      const events = new EventSource("/events");
      const live = document.getElementById("live");
      events.addEventListener("board", function (event) {
        if (event.data && event.data !== body.dataset.tip) refresh().catch(function () {});
      });
      events.onopen = function () { if (live) live.textContent = "live"; };
      events.onerror = function () { if (live) live.textContent = "reconnecting…"; };
    })();
    """#
}
