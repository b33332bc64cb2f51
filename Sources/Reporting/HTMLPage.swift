import Foundation

/// A self-contained HTML document built piece by piece: every text escaped, images as
/// data: URIs, a style sheet for the screen and for A4 paper, no script, nothing fetched.
struct HTMLPage {
    private var body = ""
    let title: String

    init(title: String) { self.title = title }

    static let style = """
        @page { size: A4; margin: 14mm; }
        body { font: 10.5pt/1.4 system-ui, "Helvetica Neue", Arial, sans-serif; color: #1a1a1a; max-width: 182mm; margin: 1.5em auto; }
        h1 { font-size: 17pt; margin: 0 0 .2em; } h2 { font-size: 13pt; margin: 1.2em 0 .4em; border-bottom: 1px solid #bbb; }
        h3 { font-size: 11pt; margin: .8em 0 .3em; }
        table { border-collapse: collapse; width: 100%; margin: .3em 0; page-break-inside: auto; }
        td, th { text-align: left; vertical-align: top; padding: 2px 6px 2px 0; border-bottom: 1px solid #e4e4e4; }
        table.small td, table.small th { font-size: 7.5pt; padding: 1px 4px 1px 0; word-break: break-all; }
        .figures { display: flex; flex-wrap: wrap; gap: 4mm; }
        figure { margin: 0; width: 56mm; page-break-inside: avoid; } figure img { width: 100%; border: 1px solid #ddd; }
        figcaption { font-size: 9pt; color: #555; text-align: center; }
        h2, h3 { page-break-after: avoid; }
        """

    mutating func heading(_ level: Int, _ text: String) { body += "<h\(level)>\(Self.escape(text))</h\(level)>\n" }

    mutating func paragraph(_ text: String) { body += "<p>\(Self.escape(text))</p>\n" }

    mutating func list(_ items: [String]) {
        body += "<ul>" + items.map { "<li>\(Self.escape($0))</li>" }.joined() + "</ul>\n"
    }

    mutating func table(_ header: [String], _ rows: [[String]], small: Bool = false) {
        body += small ? "<table class=\"small\">" : "<table>"
        if header.contains(where: { !$0.isEmpty }) { body += "<tr>" + header.map { "<th>\(Self.escape($0))</th>" }.joined() + "</tr>" }
        for row in rows { body += "<tr>" + row.map { "<td>\(Self.escape($0))</td>" }.joined() + "</tr>" }
        body += "</table>\n"
    }

    /// PNG images side by side, each with its caption.
    mutating func figures(_ images: [(caption: String, png: [UInt8])]) {
        body += "<div class=\"figures\">"
        for (caption, png) in images {
            body += "<figure><img alt=\"\(Self.escape(caption))\" src=\"data:image/png;base64,\(Data(png).base64EncodedString())\"><figcaption>\(Self.escape(caption))</figcaption></figure>"
        }
        body += "</div>\n"
    }

    func finished() -> String {
        """
        <!doctype html>
        <html lang="en"><head><meta charset="utf-8"><meta name="referrer" content="no-referrer">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
        <title>\(Self.escape(title))</title><style>\(Self.style)</style></head><body>
        \(body)</body></html>

        """
    }

    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for c in s {
            switch c {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(c)
            }
        }
        return out
    }
}
