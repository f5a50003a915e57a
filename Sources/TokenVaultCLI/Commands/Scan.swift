import TokenVault
import TokenVaultJSON
internal import TokenVaultSystem
import TokenVaultWire

/// `tokenvault scan PATH...`: finds leaked tokens in files.
struct ScanCommand: VaultCommand {
    /// The help, arguments and exit codes of `scan`.
    static let configuration = CommandConfiguration(
        name: "scan",
        abstract: "Find leaked tokens in files: file:line and credential name, never the secret",
        discussion: """
            Walks files and folders (skipping .git, binary files and files over 64 MiB) for tokens
            minted by this vault (tvk_ prefix and checksum, also ones this vault does not know) and
            for stored tokens, by keyed fingerprint, raw, quoted, in JSON, in KEY=value lines or
            URL-encoded. A symbolic link named on the command line is followed; links met inside
            folders are skipped. Progress on standard error when it is a terminal. Audited as one scan
            event with the counts.
            """,
        arguments: [Positional(name: "PATH", help: "A file or folder to scan", isVariadic: true, completion: .file)],
        examples: ["tokenvault scan ~/projects/connector /etc/connector.env"],
        exitCodes: [
            .ok("no leaked token found"), .code(1, "leaked tokens found"), .usage("no PATH"),
            .code(3, "a given PATH does not exist (or is a link to nothing)"),
        ]
    )

    /// Runs `tokenvault scan`.
    static func run(_ arguments: Arguments<NoOptions>, _ context: CommandContext) throws(VaultError) -> ExitStatus {
        let vault = try context.openVault()
        let showProgress = ProcessImage.isTerminal(2) && !context.json
        let summary = try vault.scan(arguments.positionals) { files, bytes in
            if showProgress { context.io.err("\rscanned \(files) files, \(bytes >> 20) MiB") }
        }
        if showProgress { context.io.err("\r\u{1B}[K") }
        if context.json {
            context.io.out(
                JSON.object([
                    ("files_scanned", .int(Int64(summary.filesScanned))), ("bytes_scanned", .int(summary.bytesScanned)),
                    ("files_skipped", .int(Int64(summary.filesSkipped))),
                    (
                        "findings",
                        .array(
                            summary.findings.map { finding in
                                .object([
                                    ("path", .string(finding.path)), ("line", .int(Int64(finding.line))), ("kind", .string(finding.kind.rawValue)),
                                    ("credential", .optional(finding.credentialName)), ("version", .int(finding.version)),
                                ])
                            })
                    ),
                ]).rendered() + "\n")
        } else {
            for finding in summary.findings {
                let what: String
                switch finding.kind {
                case .stored: what = "stored token of '\(finding.credentialName ?? "?")' (version \(finding.version ?? 0))"
                case .issued: what = "issued token of '\(finding.credentialName ?? "?")' (version \(finding.version ?? 0))"
                case .unknownIssued: what = "a tvk_ token this vault does not know"
                case .accessToken: what = "access token of principal '\(finding.credentialName ?? "?")' (rotate it: principal rotate-token)"
                case .unknownAccessToken: what = "a tva_ access token no principal of this vault has"
                }
                context.io.out(Table.clean("\(finding.path):\(finding.line): \(what)") + "\n")
            }
            context.io.out(
                "scanned \(summary.filesScanned) files (\(summary.bytesScanned) bytes), skipped \(summary.filesSkipped); found \(summary.findings.count) leaked tokens\n"
            )
        }
        return summary.findings.isEmpty ? .ok : .warning
    }
}
