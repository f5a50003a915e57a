/// The document around the report's sections: the doctype, a head with a strict
/// Content-Security-Policy, the style sheet, and the body's start and end.
///
/// ```swift
/// write(ReportDocument.head(title: "TokenVault report"))
/// // … the sections …
/// write(ReportDocument.end)
/// ```
///
/// Security: the page loads nothing and runs nothing. The policy allows no source at all
/// (`default-src 'none'`) but the inline style sheet, and `data:` images; no script,
/// no frame, no form target, no base URL. The page needs none of them: the charts are inline
/// SVG drawn by the server.
package enum ReportDocument {
    /// The policy of the `<meta http-equiv>` tag; the service also sends it as a header.
    package static let contentSecurityPolicy =
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'"

    /// From the doctype to the body's first element, with `title` (escaped) as the document
    /// title and the page heading.
    package static func head(title: String) -> String {
        let title = HTMLEscaping.escaped(title)
        return """
            <!DOCTYPE html>
            <html lang="en">
            <head>
            <meta charset="utf-8">
            <meta http-equiv="Content-Security-Policy" content="\(contentSecurityPolicy)">
            <meta name="viewport" content="width=device-width, initial-scale=1">
            <meta name="referrer" content="no-referrer">
            <title>\(title)</title>
            <style>
            \(ReportStyle.css)
            </style>
            </head>
            <body>
            <main>
            <h1>\(title)</h1>

            """
    }

    /// The end of the body and of the document.
    package static let end = "</main>\n</body>\n</html>\n"
}
