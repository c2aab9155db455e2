namespace KdLabs.Notebooks.Rendering;

/// <summary>The head shared by the kit's HTML pages: charset, a strict content policy and the stylesheet.</summary>
internal static class PageStyle
{
    /// <summary>
    /// No network at all: scripts and styles may only be inline, images only data/blob. This is what keeps a report
    /// from ever reaching a CDN, even if an output or a markdown cell asks for one.
    /// </summary>
    public const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'unsafe-inline' 'unsafe-eval'; style-src 'unsafe-inline'; img-src 'self' data: blob:; font-src data:";

    public const string Css = """
        :root { --fg: #1f2328; --muted: #59636e; --border: #d1d9e0; --bg-code: #f6f8fa; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
        * { box-sizing: border-box; }
        body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); margin: 0; }
        header { padding: 16px 32px; border-bottom: 1px solid var(--border); background: #fafbfc; }
        header h1 { margin: 0 0 4px; font-size: 22px; }
        header .meta { color: var(--muted); margin: 0; }
        main { max-width: 1100px; margin: 0 auto; padding: 16px 32px 64px; }
        .status { font-weight: 600; }
        .status-succeeded { color: var(--ok); } .status-failed { color: var(--bad); } .status-cancelled { color: var(--warn); }
        .cell { margin: 16px 0; }
        .cell.code .source { background: var(--bg-code); border: 1px solid var(--border); border-radius: 6px; padding: 8px 12px; overflow-x: auto; margin: 0; }
        .cell.failed .source { border-color: var(--bad); }
        .prompt { color: var(--muted); font: 12px ui-monospace, monospace; }
        .timing { color: var(--muted); font-size: 12px; text-align: right; }
        .outputs > * { margin: 6px 0; }
        pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: 13px; }
        pre.stream { margin: 0; padding: 4px 12px; white-space: pre-wrap; }
        pre.stderr { background: #fff8c5; }
        pre.error { background: #ffebe9; border-left: 4px solid var(--bad); padding: 8px 12px; white-space: pre-wrap; }
        table { border-collapse: collapse; }
        th, td { border: 1px solid var(--border); padding: 3px 8px; text-align: left; vertical-align: top; }
        caption { text-align: left; color: var(--muted); font-size: 12px; }
        .markdown img { max-width: 100%; }
        .kd-note { color: var(--muted); font-size: 12px; }
        """;

    public static string Head(string title, string extraHead = "") =>
        $"""
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="{ContentSecurityPolicy}">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>{Formatting.Html.Encode(title)}</title>
        <style>{Css}</style>
        {extraHead}
        </head>
        """;
}
