/// Plain-text layout for help: two-column lists, word wrapping, and the generated usage line.
enum HelpLayout {
    /// The width help text is wrapped to, as the discussions are wrapped by hand.
    static let width = 96

    /// The widest first column before the second moves to a line of its own.
    static let maximumLabelWidth = 30

    /// Rows of `label` and `text`, the text aligned in a second column and wrapped; a label too
    /// wide for the column gets the text on the next line.
    ///
    /// ```
    ///   --vault <PATH>          Vault file (env TOKENVAULT_PATH)
    /// ```
    static func columns(_ rows: [(label: String, text: String)], indent: Int = 2) -> String {
        let labelWidth = min((rows.map(\.label.count).max() ?? 0) + 2, maximumLabelWidth)
        let column = indent + labelWidth
        let margin = String(repeating: " ", count: indent)
        return rows.map { row in
            let wrapped = wrap(row.text, width: width - column)
            let lines = wrapped.isEmpty ? [""] : wrapped
            let pad = String(repeating: " ", count: column)
            var text = margin + row.label
            if row.label.count + 2 > labelWidth {
                text += "\n" + pad
            } else {
                text += String(repeating: " ", count: labelWidth - row.label.count)
            }
            return text + lines.joined(separator: "\n" + pad) + "\n"
        }.joined()
    }

    /// `text` broken into lines of at most `width` characters at spaces (a longer word gets a
    /// line of its own).
    static func wrap(_ text: String, width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in text.split(separator: " ") {
            if !line.isEmpty && line.count + 1 + word.count > width {
                lines.append(line)
                line = ""
            }
            line += (line.isEmpty ? "" : " ") + word
        }
        if !line.isEmpty { lines.append(line) }
        return lines
    }

    /// The usage line made from a command's tables, wrapped under its first words (the first
    /// line being printed after `firstLineIndent` characters, as `USAGE: `):
    ///
    /// ```
    /// tokenvault get <NAME> [--project <P>] [--resource <R>] [--permission <crud>]
    ///                [--version <N>]
    /// ```
    static func usage(_ command: any VaultCommand.Type, firstLineIndent: Int = 7) -> String {
        let configuration = command.configuration
        let head = "tokenvault \(configuration.name)"
        var words = configuration.arguments.map(\.usage)
        words += command.options.map(optionUsage)
        if let passthrough = configuration.passthrough { words.append("-- " + passthrough.usage) }
        let indent = String(repeating: " ", count: firstLineIndent + head.count + 1)
        var lines = [head]
        for word in words {
            let available = width - (lines.count == 1 ? firstLineIndent : 0)
            if lines[lines.count - 1].count + 1 + word.count > available {
                lines.append(indent + word)
            } else {
                lines[lines.count - 1] += " " + word
            }
        }
        return lines.joined(separator: "\n")
    }

    /// `[--grant <P:R:crud> ...]`, `[--yes]`.
    static func optionUsage(_ option: DeclaredOption) -> String {
        switch option.spec.kind {
        case .flag: "[--\(option.name)]"
        case .value: "[--\(option.name) <\(option.spec.valueName)>]"
        case .repeated: "[--\(option.name) <\(option.spec.valueName)> ...]"
        }
    }
}
