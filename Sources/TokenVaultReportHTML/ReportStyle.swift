/// The report's style sheet: readable on a phone (one column, tables that scroll sideways, charts
/// that shrink) and printed (black on white, no figure cut across pages). Colours always come
/// with a pattern or a text label, so that the page reads the same in grey or to a colour-blind
/// reader.
enum ReportStyle {
    static let css = """
        :root { color-scheme: light; --ink: #1b1f24; --muted: #57606a; --line: #d0d7de; }
        * { box-sizing: border-box; }
        body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; color: var(--ink); background: #f6f8fa; }
        main { max-width: 980px; margin: 0 auto; padding: 16px; background: #fff; }
        h1 { font-size: 1.6em; margin: 0 0 4px; }
        h2 { font-size: 1.25em; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
        h3 { font-size: 1.05em; margin: 16px 0 6px; }
        p.meta, p.note { color: var(--muted); margin: 4px 0; }
        section { break-inside: avoid-page; }
        .tiles { display: grid; grid-template-columns: repeat(auto-fit, minmax(140px, 1fr)); gap: 8px; margin: 12px 0; padding: 0; list-style: none; }
        .tiles li { border: 1px solid var(--line); border-radius: 6px; padding: 8px 10px; }
        .tiles .value { display: block; font-size: 1.5em; font-weight: 600; }
        .tiles .label { color: var(--muted); }
        .tiles .alert { border-width: 2px; border-color: #b42318; }
        figure { margin: 8px 0 16px; }
        .chart { overflow-x: auto; }
        .chart svg { width: 100%; height: auto; display: block; }
        figcaption { color: var(--muted); font-size: 0.9em; margin-top: 4px; }
        svg text { font: 12px system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif; fill: #1b1f24; }
        .legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0; padding: 0; list-style: none; font-size: 0.9em; }
        .legend svg { width: 22px; height: 14px; display: inline-block; vertical-align: -2px; margin-right: 4px; }
        .scroll { overflow-x: auto; }
        table { border-collapse: collapse; width: 100%; font-size: 0.92em; }
        th, td { text-align: left; padding: 4px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
        th { background: #f6f8fa; }
        td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
        .flag { display: inline-block; border: 1px solid var(--ink); border-radius: 3px; padding: 0 4px; margin: 1px 2px 1px 0; font-size: 0.85em; white-space: nowrap; }
        .status-ok::before { content: "\\2713\\00a0"; }
        .status-bad::before { content: "\\2717\\00a0"; }
        .status-bad { font-weight: 600; color: #b42318; }
        code { font-size: 0.95em; }
        @media (max-width: 600px) {
            main { padding: 10px; }
            h1 { font-size: 1.3em; }
            th, td { padding: 3px 5px; }
            .chart svg { min-width: 560px; }
        }
        @media print {
            body { background: #fff; font-size: 11pt; }
            main { max-width: none; padding: 0; }
            .tiles li, th, td { border-color: #000; }
            .scroll, .chart { overflow: visible; }
            .chart svg { min-width: 0; }
            figure, table, tr { break-inside: avoid; }
            h2 { break-after: avoid; }
        }
        """
}
